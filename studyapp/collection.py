"""The learner's collection: one object the UI and the CLI talk to.

Opening it opens (and if needed creates or upgrades) the database, brings the bundled
decks and the drill topics up to date, and hands out sessions and statistics. Tests build
it with an in-memory database, a fixed clock and a seed (the factory habit of docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from studyapp.config import (
    EXTRA_NEW_KEY,
    Settings,
    content_dir,
    extra_new_from,
    extra_new_value,
    parse_preference,
    resolve_db_url,
    stored_preferences,
)
from studyapp.decks.freshness import (
    DRILL_FINGERPRINT_KEY,
    SyncReport,
    bundled_decks_unchanged,
    drill_fingerprint,
    drill_topics_unchanged,
)
from studyapp.decks.path import LearningPath, content_path
from studyapp.decks.path import PathError as PathError
from studyapp.progress.estimate import minutes_today
from studyapp.progress.today import DeckCounts as DeckCounts
from studyapp.progress.today import HomeCounts as HomeCounts
from studyapp.progress.today import home_counts
from studyapp.review.changes import Changes
from studyapp.schedulers.leech import SUSPENDED
from studyapp.store import Database, DatabaseProblem, open_database
from studyapp.store.errors import GradeSuperseded as GradeSuperseded
from studyapp.store.errors import NothingToUndo as NothingToUndo
from studyapp.store.errors import StoreError as StoreError
from studyapp.store.planner_statistics import refresh_planner_statistics

# Opening a collection and showing the home screen must not wait for SQLAlchemy's ORM
# (see store/runner.py): what the other methods need is imported when they are called,
# and the domain names re-exported below for the UI are loaded on first use (__getattr__).
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from studyapp.answers.syntax import ANSWER_SYNTAX as ANSWER_SYNTAX
    from studyapp.answers.syntax import NOT_GRADED as NOT_GRADED
    from studyapp.decks.format import DeckSpec
    from studyapp.decks.seeds import SourceLines
    from studyapp.drills import Problem as Problem
    from studyapp.drills.base import num as num
    from studyapp.progress.calibration import Calibration as Calibration
    from studyapp.progress.stats import DayCount as DayCount
    from studyapp.progress.stats import StatsData as StatsData
    from studyapp.review.cards import CardView as CardView
    from studyapp.review.cards import ReviewSession as ReviewSession
    from studyapp.review.custom import CustomStudy as CustomStudy
    from studyapp.review.drilling import DrillSession as DrillSession
    from studyapp.review.drilling import derived_quality as derived_quality
    from studyapp.review.drilling import level_note as level_note
    from studyapp.review.editing import CardProblem as CardProblem
    from studyapp.review.editing import CardText as CardText
    from studyapp.review.fitting import Fitted, NotFitted
    from studyapp.review.flags import FLAG_KINDS as FLAG_KINDS
    from studyapp.review.flags import Flag as Flag
    from studyapp.review.history import HistoryEntry as HistoryEntry
    from studyapp.schedulers.sm2 import QUALITY_LABELS as QUALITY_LABELS
    from studyapp.schedulers.sm2 import needs_repeat_today as needs_repeat_today
    from studyapp.transfer.anki_import import AnkiImportReport
    from studyapp.transfer.anki_read import AnkiCollection
    from studyapp.transfer.restore import Restored

LEECH_SUSPENDED = SUSPENDED
"""ReviewSession.leech's bit for a leech that was suspended (the other: only tagged)."""

_FROM_CARDS = frozenset({"CardView", "ReviewSession"})
_FROM_CUSTOM = frozenset({"CustomStudy", "MAX_AHEAD_DAYS", "MAX_EXTRA_NEW"})
_FROM_DRILLING = frozenset({"DrillSession", "derived_quality", "level_note"})


def __getattr__(name: str) -> object:
    """The UI's domain names, imported when a screen first asks for them (most need
    SQLAlchemy or NumPy).

    `studyapp.collection` is the UI's one door (the UI imports nothing else of ours);
    loading these eagerly would put SQLAlchemy and NumPy on the path to the home screen.
    """
    value: object
    if name in _FROM_CARDS:
        from studyapp.review import cards

        value = getattr(cards, name)
    elif name in _FROM_CUSTOM:
        from studyapp.review import custom

        value = getattr(custom, name)
    elif name in _FROM_DRILLING:
        from studyapp.review import drilling

        value = getattr(drilling, name)
    elif name in ("QUALITY_LABELS", "needs_repeat_today"):
        from studyapp.schedulers import sm2

        value = getattr(sm2, name)
    elif name in ("StatsData", "DayCount"):
        from studyapp.progress import stats

        value = getattr(stats, name)
    elif name == "HistoryEntry":
        from studyapp.review.history import HistoryEntry

        value = HistoryEntry
    elif name == "Calibration":
        from studyapp.progress.calibration import Calibration

        value = Calibration
    elif name in ("CardProblem", "CardText"):
        from studyapp.review import editing

        value = getattr(editing, name)
    elif name in ("FLAG_KINDS", "Flag"):
        from studyapp.review import flags

        value = getattr(flags, name)
    elif name == "Problem":
        from studyapp.drills import Problem

        value = Problem
    elif name == "num":
        from studyapp.drills.base import num

        value = num
    elif name in ("ANSWER_SYNTAX", "NOT_GRADED"):
        from studyapp.answers import syntax

        value = getattr(syntax, name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


@dataclass(frozen=True)
class CardRow:
    """One row of the browse table: the card and its schedule."""

    id: str
    deck_id: str
    front: str  # what the review asks: a cloze card's own gap hidden, not its markup
    tags: str
    easiness: float
    repetitions: int
    interval: int
    due: str | None
    lapses: int
    suspended: bool
    added: str | None = None
    """The ISO day the card entered the collection (None: not known)."""


@dataclass(frozen=True)
class TopicRow:
    """One drill topic as the topic picker and `studyapp topics` list it."""

    id: str
    title: str
    attempts: int
    correct: int
    mean_seconds: float
    due: date | None
    """The next due day; None for a topic never drilled."""
    level: int = 1
    """The level its problems come at (1-3; review/levels.py moves it)."""


@dataclass(frozen=True)
class PlannedCard:
    """A card of today's plan: "review" (due) or "new"."""

    id: str
    deck: str
    kind: str


@dataclass(frozen=True)
class PlannedTopic:
    """A drill topic of today's plan: "due", "mistake" (a problem drawn to tempt the
    misconception `mistake`, due today) or "new", at its level."""

    id: str
    title: str
    level: int
    kind: str
    mistake: str = ""


@dataclass(frozen=True)
class Plan:
    """Today's plan (`studyapp plan`): cards, then drill topics, each in session order."""

    today: date
    cards: list[PlannedCard]
    topics: list[PlannedTopic]
    minutes: int
    extra_new: int = 0
    """Custom study's "N more new cards today", already in `cards`."""

    def to_json(self) -> dict[str, Any]:
        """The `plan --json` contract (docs/formats.md)."""
        return {
            "day": self.today.isoformat(),
            "minutes": self.minutes,
            "cards": [{"id": c.id, "deck": c.deck, "kind": c.kind} for c in self.cards],
            "topics": [
                {"id": t.id, "title": t.title, "level": t.level, "kind": t.kind}
                | ({"mistake": t.mistake} if t.mistake else {})
                for t in self.topics
            ],
        }


@dataclass
class Collection:
    db: Database
    settings: Settings
    sync_report: SyncReport | None = None
    preference_problems: list[str] = field(default_factory=list)
    """One line per stored preference that could not be used (its default applies)."""
    content: Path | None = None
    """The folder of bundled decks and the learning path (None: config.content_dir())."""
    path_problem: str | None = None
    """Why the learning path file was set aside, when it was (see `learning_path`)."""
    changes: Changes = field(default_factory=Changes, init=False, repr=False)
    """The session's undo stack for changes that are not grades (undo_change)."""
    _sources: SourceLines | None = field(default=None, init=False, repr=False)

    @classmethod
    def open(
        cls,
        db: str | None = None,
        settings: Settings | None = None,
        content: Path | None = None,
        sync: bool = True,
    ) -> Collection:
        """Open the database at `db` (path or URL; default per config) and sync content."""
        try:
            url = resolve_db_url(db)
        except ValueError as error:
            raise DatabaseProblem(str(error)) from None
        database = open_database(url)
        collection = cls(database, settings or Settings(), content=content)
        try:
            values, collection.preference_problems = collection._stored_preferences()
            collection.settings = collection.settings.with_preferences(values)
            collection._read_fsrs_bookkeeping()
            if sync:
                collection.sync(content)
        except BaseException:
            database.close()  # a damaged file: let go of it, and of its -wal and -shm
            raise
        return collection

    def sync(self, content: Path | None = None) -> SyncReport:
        """Bring the bundled decks up to date (cheap when nothing changed)."""
        folder = content or content_dir()
        self.content, self._sources = folder, None
        with self.db.reading() as reader:
            unchanged = bundled_decks_unchanged(reader, folder)
        if unchanged:
            self.sync_report = SyncReport()
        else:
            from studyapp.decks.sync import sync_bundled_decks

            self.sync_report = sync_bundled_decks(self.db, folder, self.settings.today())
        return self.sync_report

    def sync_topics(self) -> int:
        """Give every registered drill topic a schedule row; returns how many were new.

        Separate from `sync` because it imports every drill family (and NumPy). It is
        skipped when the drill modules' files are unchanged since the last sync, so an
        ordinary start-up never pays for it; the UI runs it in a worker all the same.
        """
        fingerprint = drill_fingerprint()
        with self.db.reading() as reader:
            if drill_topics_unchanged(reader, fingerprint):
                return 0
        from studyapp.decks.sync import sync_topics
        from studyapp.drills import registry

        added = sync_topics(self.db, ((t.id, t.title) for t in registry().values()))
        with self.db.writing() as sql:
            sql.run("write_preference", {"key": DRILL_FINGERPRINT_KEY, "value": fingerprint})
        return added

    def close(self) -> None:
        self.db.close()

    @property
    def url(self) -> str:
        """The database's URL (a SQLite file as sqlite:///PATH)."""
        return self.db.url

    @property
    def upgrade_backup(self) -> Path | None:
        """Where opening copied the file before upgrading its schema, if it did."""
        return self.db.backup

    def preferences(self) -> dict[str, int | str | float]:
        """The usable preferences stored in this collection (only those the learner has set)."""
        return self._stored_preferences()[0]

    def _stored_preferences(self) -> tuple[dict[str, int | str | float], list[str]]:
        with self.db.reading() as reader:
            stored = reader.all("preferences")
        self.settings = replace(self.settings, extra_new=extra_new_from(stored))
        return stored_preferences(stored)

    def set_preference(
        self, key: str, value: str, progress: Callable[[int, int], None] | None = None
    ) -> int | str | float:
        """Store a preference (validated) and apply it to this collection's settings.

        Choosing FSRS the first time derives its state from the review log (`progress`
        follows the replay); a new desired retention moves FSRS's due days to it."""
        number = parse_preference(key, value)
        with self.db.writing() as sql:
            sql.run("write_preference", {"key": key, "value": str(number)})
        self.settings = self.settings.with_preferences({key: number})
        if key == "scheduler" and number == "fsrs":
            self.keep_fsrs(progress)
        elif key == "desired_retention" and self.settings.fsrs_tracked:
            from studyapp.review.fsrs_state import reschedule

            reschedule(self.db, self.settings)
        return number

    def _read_fsrs_bookkeeping(self) -> None:
        from studyapp.schedulers.fsrs import with_bookkeeping

        with self.db.reading() as reader:
            self.settings = with_bookkeeping(self.settings, reader.all("preferences"))

    def calibration(self) -> Calibration:
        """How well SM-2 and FSRS predicted this learner's recall (progress/calibration.py):
        reads the whole log, so the stats screen runs it in a worker of its own."""
        from studyapp.progress.calibration import calibration_data

        return calibration_data(self.db, self.settings)

    def calibration_json(self) -> dict[str, Any]:
        """`stats --json`'s `calibration`, with where FSRS's weights came from."""
        from studyapp.progress.calibration import calibration_json

        found = calibration_json(self.calibration())
        found["fsrs"]["fitted"] = self.fsrs_fit()
        return found

    def fsrs_fit(self) -> dict[str, Any] | None:
        """When and on how many first grades FSRS's weights were fitted (None: defaults)."""
        from studyapp.schedulers.fsrs import fitted_on

        with self.db.reading() as reader:
            found = fitted_on(reader.all("preferences"))
        return None if found is None else {"on": found[0].isoformat(), "reviews": found[1]}

    def fsrs_not_fitted(self) -> NotFitted | None:
        """Why the last fit fitted nothing (None: it fitted, or none was tried)."""
        from studyapp.review.fitting import not_fitted

        with self.db.reading() as reader:
            return not_fitted([(str(k), str(v)) for k, v in reader.all("preferences")])

    def fsrs_upkeep(self) -> Fitted | NotFitted | None:
        """Keep FSRS's state derived and its weights fitted to this learner (the app runs
        it in a worker after start); the fit, when one was done or tried."""
        from studyapp.review.fitting import upkeep

        done = upkeep(self.db, self.settings)
        self._read_fsrs_bookkeeping()
        return done

    def keep_fsrs(self, progress: Callable[[int, int], None] | None = None) -> bool:
        """Derive FSRS's state from the log unless it is already kept (switching to FSRS,
        or a collection restored or upgraded since); True when a replay ran."""
        self._read_fsrs_bookkeeping()
        if self.settings.fsrs_tracked:
            return False
        from studyapp.review.fsrs_state import derive

        derive(self.db, self.settings, progress)
        self._read_fsrs_bookkeeping()
        return True

    def learning_path(self) -> LearningPath | None:
        """The content's learning path (content/path.toml), or None when it has none.

        A path file that is wrong must not stop the learner: it is set aside (everything
        opens, as without one) and `path_problem` says why, with file and line."""
        try:
            path = content_path(self.content or content_dir())
        except PathError as error:
            self.path_problem = str(error)
            return None
        self.path_problem = None
        return path

    def home(self) -> HomeCounts:
        path = self.learning_path()
        return home_counts(self.db, self.settings, path.requires() if path else None)

    def plan(self) -> Plan:
        """Today's plan in the order the sessions will take it, with the minutes estimate."""
        from studyapp.progress.today import recent_durations
        from studyapp.review.queues import plan_cards, plan_mistakes, plan_topics
        from studyapp.store.runner import CoreRunner

        path, today = self.learning_path(), self.settings.today()
        with self.db.session() as session:
            cards = plan_cards(session, self.settings, today, None, path)
            topics = plan_topics(session, self.settings, today, path)
            mistakes = plan_mistakes(session, today)
            card_ms, drill_ms = recent_durations(CoreRunner(session))
        levels = self.topic_levels()

        def planned(topic_id: str, kind: str, mistake: str = "") -> PlannedTopic:
            title = self.topic_title(topic_id)
            return PlannedTopic(topic_id, title, levels.get(topic_id, 1), kind, mistake)

        due = [planned(t.id, t.kind) for t in topics if t.kind == "due"]
        new = [planned(t.id, t.kind) for t in topics if t.kind != "due"]
        turns = [planned(str(m), "mistake", m.slip) for m in mistakes]
        drills = [*due, *turns, *new]  # the drill session's order (build_drill_queue)
        return Plan(
            today,
            [PlannedCard(c.id, c.deck, c.kind) for c in cards],
            drills,
            minutes_today(len(cards), len(drills), card_ms, drill_ms),
            self.settings.new_limit(today) - self.settings.new_per_day,
        )

    def stats(self) -> StatsData:
        from studyapp.progress.stats import stats_data

        return stats_data(self.db, self.settings)

    def explain(self, error: BaseException) -> str | None:
        """One line for a learner about a database error met after opening, else None.

        For errors that reach the UI or the CLI without having become a `StoreError` at the
        store's boundary; `store.db.explain` is the one classifier.
        """
        from studyapp.store.db import explain

        return explain(error, self.db.url)

    def topics(self) -> list[TopicRow]:
        """Every registered drill topic, in registry order, with its attempts and due day."""
        from studyapp.drills import registry
        from studyapp.progress.stats import topic_stats

        with self.db.session() as session:
            stats = {t.topic: t for t in topic_stats(session)}
        rows = []
        for topic in registry().values():
            stat = stats.get(topic.id)
            rows.append(
                TopicRow(
                    topic.id,
                    topic.title,
                    stat.attempts if stat else 0,
                    stat.correct if stat else 0,
                    stat.mean_seconds if stat else 0.0,
                    stat.due if stat else None,
                    stat.level if stat else 1,
                )
            )
        return rows

    def topic_levels(self) -> dict[str, int]:
        """Each stored drill topic's level (1-3); a topic missing here is at level 1."""
        from studyapp.progress.stats import topic_levels

        with self.db.session() as session:
            return topic_levels(session)

    def set_topic_level(self, topic_id: str, level: int) -> int:
        """The learner's pick of a topic's level, kept until a drill moves it; returns the
        level it had, so that the pick can be taken back."""
        from studyapp.store import grades

        return grades.set_topic_level(self.db, topic_id, level, title=self.topic_title(topic_id))

    @staticmethod
    def topic_title(topic_id: str) -> str:
        """The topic's one-line title, or its id when no registered topic has it."""
        from studyapp.drills import registry

        found = registry().get(topic_id)
        return found.title if found else topic_id

    def deck_sizes(self) -> dict[str, int]:
        """Active cards per deck (a full count: for listings, not the home screen)."""
        from studyapp.progress.stats import deck_sizes

        with self.db.session() as session:
            return deck_sizes(session)

    @staticmethod
    def warm_up_answers(problem: Problem) -> None:
        """Read one throwaway expression against `problem`, so that the first real answer
        (which loads SymPy, a third of a second) does not stall the drill screen."""
        from studyapp.answers import check_answer

        check_answer("1/(1+e^-2)", problem)

    def warm_up(self) -> None:
        """Load what the first review or drill needs, so that the first key press does not
        wait for it. The UI calls this off its own thread once the home screen is up.

        In the order a learner needs them: SQLAlchemy, its ORM and the engine's first
        connection (the first review); every drill family with NumPy (the first drill: 0.3
        to 0.7 s of imports, paid after `d` before this); last the answer reader's SymPy
        (a second or more, needed only at the first typed answer).
        """
        import studyapp.progress.stats
        import studyapp.review.cards
        import studyapp.review.drilling  # noqa: F401
        from studyapp.answers import warm_up as warm_up_reader
        from studyapp.drills.registry import registry

        self.db.warm_up()
        registry()
        warm_up_reader()

    def review(self, deck_ids: Sequence[str] | None = None) -> ReviewSession:
        from studyapp.review.cards import ReviewSession

        # A deck picked by hand ignores the path (plan_cards): only the whole day follows it.
        return ReviewSession(self.db, self.settings, deck_ids, self.learning_path())

    def drill(
        self,
        topic_ids: Sequence[str] | None = None,
        difficulty: int | None = None,
        seed: int | None = None,
    ) -> DrillSession:
        """A drill session; each problem at its topic's level unless `difficulty` is given."""
        from studyapp.review.drilling import DrillSession

        return DrillSession(
            self.db, self.settings, topic_ids, difficulty, seed, self.learning_path()
        )

    def card(self, card_id: str) -> CardView | None:
        from studyapp.review.cards import load_card

        with self.db.session() as session:
            return load_card(session, card_id)

    def source_line(self, card: CardView) -> str | None:
        """Where the card's facts come from, as a learner reads it: the seed's title and
        section ("Cheat sheet · Loss Functions"), never one of our file names. A card from an
        import shows the source its file gave it."""
        files = self._deck_files(card.deck_id)
        return self._source_lines().line(files.get(card.deck_id), card.id, card.source)

    def source_liner(self) -> Callable[[CardView], str | None]:
        """`source_line` for a run of cards (a review session): every deck's file read now
        in one query, not one query a card (a store call in each grade's frame). A deck
        made since is read when its first card comes."""
        files = self._deck_files(None)

        def line(card: CardView) -> str | None:
            if card.deck_id not in files:
                files.update(self._deck_files(card.deck_id))
            return self._source_lines().line(files.get(card.deck_id), card.id, card.source)

        return line

    def _source_lines(self) -> SourceLines:
        from studyapp.decks.files import SEEDS_FILE
        from studyapp.decks.seeds import SourceLines

        if self._sources is None:
            folder = self.content or content_dir()
            seeds = folder if (folder / SEEDS_FILE).is_file() else content_dir()
            self._sources = SourceLines(seeds, folder)
        return self._sources

    def _deck_files(self, deck_id: str | None) -> dict[str, str | None]:
        """The bundled file of one deck, or of every deck (None: an imported deck)."""
        from sqlalchemy import select

        from studyapp.store.models import Deck

        query = select(Deck.id, Deck.origin, Deck.source_path)
        if deck_id is not None:
            query = query.where(Deck.id == deck_id)
        with self.db.session() as session:
            return {
                id_: path if origin == "bundled" else None
                for id_, origin, path in session.execute(query).all()
            }

    def decks(self) -> list[tuple[str, str]]:
        from sqlalchemy import false, select

        from studyapp.store.models import Deck

        with self.db.session() as session:
            return list(
                session.execute(
                    select(Deck.id, Deck.name).where(Deck.retired == false()).order_by(Deck.name)
                ).all()
            )

    def search_cards(
        self,
        text: str = "",
        deck: str | None = None,
        tag: str | None = None,
        include_suspended: bool = True,
        limit: int = 1000,
        sort: str = "deck",
        descending: bool = False,
        filters: Sequence[str] = (),
    ) -> list[CardRow]:
        """Cards holding every word of `text` (any part of a word, in the front, back or
        tags; `tag:`, `deck:` and `is:` terms as review/search_terms.py reads them), in
        `deck`, with a tag starting `tag`, of every one of `filters` (card_filters()),
        sorted by `sort` (card_sorts()) in the database; at most `limit` of them.

        Safe to call from a worker thread: it opens its own connection."""
        from studyapp.review.cards import question_text
        from studyapp.review.search_terms import read_terms
        from studyapp.store.card_search import FILTERS, CardQuery, search_statement

        terms = read_terms(text, set(FILTERS))
        chosen = [*filters, *terms.filters]
        if not include_suspended:
            chosen = [name for name in chosen if name != "suspended"]
        query = CardQuery(
            words=terms.words,
            deck=deck or terms.deck,
            tag_prefixes=(*terms.tag_prefixes, *([tag.strip()] if tag and tag.strip() else [])),
            filters=tuple(dict.fromkeys(name for name in chosen if name in FILTERS)),
            sort=sort,
            descending=descending,
            limit=limit,
        )
        from sqlalchemy import false

        from studyapp.store.schema import cards

        statement = search_statement(query, self.db.engine.dialect.name)
        if not include_suspended:
            statement = statement.where(cards.c.suspended == false())
        with self.db.engine.connect() as connection:
            found = connection.execute(statement).all()
        return [_card_row(tuple(row), question_text) for row in found]

    @staticmethod
    def card_filters() -> list[tuple[str, str]]:
        """Browse's filters as (name, label): `is:name` in the search box."""
        from studyapp.store.card_search import FILTERS

        return [(name, label) for name, (label, _) in FILTERS.items()]

    @staticmethod
    def card_sorts() -> list[tuple[str, str]]:
        """Browse's sort keys as (name, label), in the order `o` cycles them."""
        from studyapp.store.card_search import SORTS

        return [(name, label) for name, (label, _) in SORTS.items()]

    def known_tags(self) -> list[str]:
        """Every tag of the cards in play, sorted (browse's tag completion)."""
        from studyapp.store.card_search import known_tags_statement

        with self.db.engine.connect() as connection:
            strings = connection.scalars(known_tags_statement()).all()
        return sorted({tag for tags in strings for tag in tags.split()})

    def card_history(self, card_id: str) -> list[HistoryEntry]:
        """Every logged grade of a card, oldest first (browse's card view)."""
        from studyapp.review.history import card_history

        return card_history(self.db, card_id)

    # -------------------------------------------------------------- custom study

    def custom_review(self, custom: CustomStudy) -> ReviewSession:
        """A custom-study review session (review/custom.py): ahead, cram or failures."""
        from studyapp.review.cards import ReviewSession

        return ReviewSession(self.db, self.settings, None, None, custom)

    def custom_cards(self, custom: CustomStudy) -> list[str]:
        """The cards a custom session would ask, in its order."""
        from studyapp.review.custom import custom_queue

        with self.db.session() as session:
            return custom_queue(session, self.settings, self.settings.today(), custom)

    def custom_count(self, custom: CustomStudy) -> int:
        """How many cards a custom session would ask (the menu says so before it starts)."""
        return len(self.custom_cards(custom))

    def more_new_today(self, count: int) -> int:
        """Custom study's "N more new cards today": raises today's new-card limit only
        (`new_per_day` stays); undoable in the session. Returns today's extra in all."""
        from studyapp.review.custom import MAX_EXTRA_NEW

        if not 1 <= count <= MAX_EXTRA_NEW:
            raise ValueError(f"ask for 1 to {MAX_EXTRA_NEW} more new cards, not {count}")
        today, before = self.settings.today(), self.settings.extra_new
        extra = (before[1] if before and before[0] == today else 0) + count
        self._put_extra_new((today, extra))
        self.changes.record(
            f"{count} more new cards today", lambda: self._put_extra_new(before), None
        )
        return extra

    def _put_extra_new(self, extra: tuple[date, int] | None) -> None:
        stored = extra_new_value(*extra) if extra else ""
        with self.db.writing() as sql:
            sql.run("write_preference", {"key": EXTRA_NEW_KEY, "value": stored})
        self.settings = replace(self.settings, extra_new=extra)

    def leeches(self) -> list[CardRow]:
        """Every card tagged leech (suspended ones too), for `studyapp custom leeches`."""
        return self.search_cards(tag="leech", limit=100_000)

    def leech_topics(self) -> list[tuple[str, str, int]]:
        """Drill topics in play whose lapses reached `leech_threshold`: (id, title, lapses);
        their next session starts from a worked example (review/drilling.py)."""
        from sqlalchemy import false, select

        from studyapp.store.models import DrillTopic

        query = (
            select(DrillTopic.id, DrillTopic.title, DrillTopic.lapses)
            .where(
                DrillTopic.suspended == false(),
                DrillTopic.lapses >= self.settings.leech_threshold,
            )
            .order_by(DrillTopic.id)
        )
        with self.db.session() as session:
            return [(id_, title, int(lapses)) for id_, title, lapses in session.execute(query)]

    @staticmethod
    def drill_families() -> list[tuple[str, str, list[str]]]:
        """Every drill family: (id, title, its topic ids), for "drill this family"."""
        from studyapp.review.custom import drill_families

        return drill_families()

    # -------------------------------------------------------------- import and export
    # The CLI's commands parse and write files themselves (transfer/, decks/format.py);
    # everything that reads or writes the database goes through here.

    def restore(
        self,
        restored: Restored,
        replace: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> Restored:
        """Make the collection hold exactly a JSON backup (see transfer/restore.py), checked
        and loaded in one pass, in one transaction; `progress` is told (records done,
        records in all). Returns the backup with how many records each section held."""
        from studyapp.transfer.restore import restore_json

        restore_json(
            self.db, restored, replace=replace, progress=progress, today=self.settings.today()
        )
        refresh_planner_statistics(self.db)
        values, self.preference_problems = self._stored_preferences()
        self.settings = self.settings.with_preferences(values)
        if self.settings.scheduler == "fsrs":  # derived only when the backup lacks it
            self.keep_fsrs()
        return restored

    def import_decks(
        self, specs: Iterable[DeckSpec], progress: Callable[[int, int], None] | None = None
    ) -> SyncReport:
        """Add or update imported decks in one transaction: all or nothing; `progress` is
        told (cards done, cards in all)."""
        from studyapp.transfer.restore import import_decks

        report = import_decks(self.db, specs, progress=progress, today=self.settings.today())
        refresh_planner_statistics(self.db)
        return report

    def import_anki(
        self,
        anki: AnkiCollection,
        source: Path,
        schedule: str = "keep",
        progress: Callable[[int, int], None] | None = None,
    ) -> AnkiImportReport:
        """Bring an Anki collection in: cards, schedules and review log (transfer/anki_import)."""
        from studyapp.config import study_day
        from studyapp.transfer.anki_import import import_anki

        rollover = self.settings.rollover_hour
        report = import_anki(
            self.db,
            anki,
            source,
            study_day=lambda moment: study_day(moment, rollover),
            schedule=schedule,
            progress=progress,
        )
        refresh_planner_statistics(self.db)
        if self.settings.fsrs_tracked:  # imported schedules and logs: FSRS's state from them
            from studyapp.review.fsrs_state import derive

            derive(self.db, self.settings)
        return report

    def write_backup(
        self, out: IO[bytes], progress: Callable[[int, int], None] | None = None
    ) -> dict[str, int]:
        """Write the JSON backup (docs/formats.md) to `out`, streamed; returns how many
        records each section has. `progress` is told (records done, records in all)."""
        from studyapp.transfer.backup import write_backup

        return write_backup(self.db, out, progress=progress)

    def export_json(self, progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
        """The JSON backup as one object, for scripts on small collections (it is held in
        memory whole: write_backup streams)."""
        from studyapp.transfer.backup import export_json

        return export_json(self.db, progress=progress)

    def write_cards_csv(
        self, out: IO[str], progress: Callable[[int, int], None] | None = None
    ) -> int:
        """Every card that is not retired, one CSV line each; returns how many."""
        from studyapp.transfer.export import write_cards_csv

        return write_cards_csv(self.db, out, progress=progress)

    def write_reviews_csv(
        self, out: IO[str], progress: Callable[[int, int], None] | None = None
    ) -> int:
        """The whole review log, oldest first; returns how many lines."""
        from studyapp.transfer.export import write_reviews_csv

        return write_reviews_csv(self.db, out, progress=progress)

    def write_snapshot(
        self, out: IO[bytes], progress: Callable[[int, int], None] | None = None
    ) -> int:
        """Write the snapshot backup (transfer/snapshot.py): the collection's file whole,
        compressed; returns the database's size in bytes. `progress` is told (bytes done,
        bytes in all)."""
        from studyapp.transfer.snapshot import write_snapshot

        return write_snapshot(self.db, out, progress=progress)

    def restore_snapshot(
        self,
        path: Path,
        replace: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> dict[str, int]:
        """Make the collection exactly the snapshot at `path` (all or nothing), refusing a
        collection with study data unless `replace`; returns how many rows of each kind it
        holds now (decks, cards, topics, reviews, drill_attempts)."""
        from studyapp.store.snapshot import row_counts, sqlite_file
        from studyapp.transfer.restore import ImportProblem, study_data_in
        from studyapp.transfer.snapshot import restore_snapshot

        if not replace:
            with self.db.session() as session:
                if study_data_in(session):
                    raise ImportProblem(
                        "the database already holds study data (reviews, drill attempts, "
                        "imported decks, suspensions or preferences); restoring a snapshot "
                        "replaces all of it: pass --replace to do so (export it first to "
                        "keep a copy)"
                    )
        restore_snapshot(self.db, path, progress=progress)
        values, self.preference_problems = self._stored_preferences()
        self.settings = self.settings.with_preferences(values)
        return row_counts(sqlite_file(self.db))

    def write_apkg(self, path: Path, progress: Callable[[int, int], None] | None = None) -> int:
        """An Anki package of every deck with its schedules and review log; returns how
        many cards. `progress` is told (rows done, rows in all) as it goes: the cards,
        then the review log."""
        from studyapp.transfer.export import write_apkg

        return write_apkg(
            self.db, path, rollover_hour=self.settings.rollover_hour, progress=progress
        )

    # -------------------------------------------------------------- cards

    def suspend(self, card_id: str, suspended: bool = True) -> None:
        """Suspend a card or bring it back; undoable in the session (undo_change)."""
        from studyapp.review.cards import set_suspended

        self._undoably(
            card_id,
            f"{'Suspended' if suspended else 'Unsuspended'} {card_id}",
            lambda: set_suspended(self.db, card_id, suspended),
        )

    def reset(self, card_id: str) -> None:
        """Make a card new again (history kept); undoable in the session."""
        from studyapp.review.cards import reset_card

        self._undoably(card_id, f"Reset {card_id}", lambda: reset_card(self.db, card_id))

    def undo_change(self) -> str | None:
        """Take back the session's newest change that was not a grade (suspend, reset,
        edit, flag, a leech's suspension); says what was undone, None if nothing was."""
        change = self.changes.undo()
        return None if change is None else change.description

    def _undoably(self, card_id: str, description: str, apply: Callable[[], None]) -> None:
        """Run a change to one card's schedule or suspension, recording its exact undo."""
        from studyapp.review.cards import card_schedule, put_card_schedule

        before = card_schedule(self.db, card_id)
        apply()
        self.changes.record(
            description, lambda: put_card_schedule(self.db, card_id, before), card_id
        )

    # -------------------------------------------------------------- shaping cards
    # Add, edit, revert and flag (issue 15): each one transaction, each recorded on
    # `changes` with its exact undo.

    def own_decks(self) -> list[tuple[str, str]]:
        """(id, name) of the decks the learner may add cards to (made here or imported)."""
        from studyapp.review.editing import own_decks

        return own_decks(self.db)

    def add_card(self, deck: str, fields: Mapping[str, str | None]) -> str:
        """Add a new card to the learner's deck named `deck` (made if there is none);
        returns its id. `fields`: front, back, mnemonic, why, tags (space-separated).
        Undoable while the card has no review."""
        from studyapp.review.editing import add_card, remove_added_card

        added = add_card(self.db, deck, fields)
        self.changes.record(
            f"Added {added.card_id}", lambda: remove_added_card(self.db, added), added.card_id
        )
        return added.card_id

    def card_text(self, card_id: str) -> CardText:
        """A card's editable text, its deck, and whether it is an edited bundled card."""
        from studyapp.review.editing import card_text

        return card_text(self.db, card_id)

    def edit_card(self, card_id: str, fields: Mapping[str, str | None]) -> bool:
        """Give a card new text (id, schedule and history kept); False when nothing changed.
        A bundled card's new text is kept as an override that later deck updates keep."""
        from studyapp.review.editing import edit_card

        return self._text_change(
            card_id,
            f"Edited {card_id}",
            lambda: edit_card(self.db, card_id, fields, self.settings.clock.now()),
        )

    def revert_card(self, card_id: str) -> None:
        """Give an edited bundled card the bundled deck's current text again."""
        from studyapp.review.editing import revert_card

        def revert() -> bool:
            revert_card(self.db, card_id)
            return True

        self._text_change(card_id, f"Reverted {card_id}", revert)

    def _text_change(self, card_id: str, description: str, apply: Callable[[], bool]) -> bool:
        from studyapp.review.editing import put_text_state, text_state

        before = text_state(self.db, card_id)
        changed = apply()
        if changed:
            self.changes.record(
                description, lambda: put_text_state(self.db, card_id, before), card_id
            )
        return changed

    def flag_card(self, card_id: str, kind: str, note: str = "") -> None:
        """Flag a card as "wrong" or "unclear" with an optional note (replacing its flag)."""
        from studyapp.review.flags import Flag

        flag = Flag(card_id, kind, note, self.settings.clock.now())
        self._flag_change(card_id, f"Flagged {card_id} as {kind}", flag)

    def unflag_card(self, card_id: str) -> None:
        if self.flag_of(card_id) is None:
            raise LookupError(f"{card_id} is not flagged")
        self._flag_change(card_id, f"Unflagged {card_id}", None)

    def _flag_change(self, card_id: str, description: str, flag: Flag | None) -> None:
        from studyapp.review.flags import flag_of, put_flag

        before = flag_of(self.db, card_id)
        put_flag(self.db, card_id, flag)
        self.changes.record(description, lambda: put_flag(self.db, card_id, before), card_id)

    def flag_of(self, card_id: str) -> Flag | None:
        from studyapp.review.flags import flag_of

        return flag_of(self.db, card_id)

    def card_marks(self) -> dict[str, str]:
        """Card id -> its browse marker: "⚑" flagged wrong, "?" flagged unclear, "✎" an
        edited bundled card (both when both)."""
        from studyapp.review.flags import flagged_ids
        from studyapp.store.models import CardOverride

        marks = {i: ("⚑" if kind == "wrong" else "?") for i, kind in flagged_ids(self.db).items()}
        with self.db.session() as session:
            from sqlalchemy import select

            for card_id in session.scalars(select(CardOverride.card_id)):
                marks[card_id] = marks.get(card_id, "") + "✎"
        return marks

    def flags(self) -> list[dict[str, Any]]:
        """Every flagged card as plain rows, oldest first (the `flags --json` contract of
        docs/formats.md; the JSON backup can carry them as they are)."""
        from studyapp.review.flags import flag_rows

        return [
            {
                "card": row.card_id,
                "deck": row.deck_id,
                "deck_name": row.deck_name,
                "front": row.front,
                "kind": row.kind,
                "note": row.note,
                "flagged_at": row.flagged_at.isoformat(),
            }
            for row in flag_rows(self.db)
        ]

    def overrides(self) -> list[dict[str, Any]]:
        """Every edited bundled card as plain rows: the learner's fields, the bundled
        deck's current text, when it was edited (for the JSON backup)."""
        import json

        from sqlalchemy import select

        from studyapp.store.models import CardOverride

        with self.db.session() as session:
            rows = session.scalars(select(CardOverride).order_by(CardOverride.card_id))
            return [
                {
                    "card": row.card_id,
                    "fields": json.loads(row.fields),
                    "bundled": json.loads(row.bundled),
                    "changed_at": row.changed_at.isoformat(),
                }
                for row in rows
            ]


def _card_row(row: tuple[Any, ...], question: Callable[[str, str, int | None], str]) -> CardRow:
    """A browse row from a row of store/card_search.py's statement (its column order)."""
    id_, deck_id, front, template, ordinal, tags, easiness, reps, interval, due, lapses = row[:11]
    suspended, added = row[11:]
    return CardRow(
        id_,
        deck_id,
        question(front, template, ordinal),
        tags,
        easiness,
        reps,
        interval,
        due.isoformat() if due else None,
        lapses,
        suspended,
        added.isoformat() if added else None,
    )
