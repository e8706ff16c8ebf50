"""The learner's collection: one object the UI and the CLI talk to.

Opening it opens (and if needed creates or upgrades) the database, brings the bundled
decks and the drill topics up to date, and hands out sessions and statistics. Tests build
it with an in-memory database, a fixed clock and a seed (the factory habit of docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from studyapp.config import (
    Settings,
    content_dir,
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
from studyapp.progress.today import HomeCounts, home_counts
from studyapp.store import Database, DatabaseProblem, open_database
from studyapp.store.errors import StoreError as StoreError  # the UI catches it from here

# Opening a collection and showing the home screen must not wait for SQLAlchemy's ORM
# (see store/runner.py): what the other methods need is imported when they are called.
if TYPE_CHECKING:
    from studyapp.progress.stats import StatsData
    from studyapp.review.sessions import CardView, DrillSession, ReviewSession


@dataclass(frozen=True)
class CardRow:
    """One row of the browse table: the card and its schedule."""

    id: str
    deck_id: str
    front: str
    tags: str
    easiness: float
    repetitions: int
    interval: int
    due: str | None
    lapses: int
    suspended: bool


@dataclass
class Collection:
    db: Database
    settings: Settings
    sync_report: SyncReport | None = None
    preference_problems: list[str] = field(default_factory=list)
    """One line per stored preference that could not be used (its default applies)."""

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
        collection = cls(database, settings or Settings())
        try:
            values, collection.preference_problems = collection._stored_preferences()
            collection.settings = collection.settings.with_preferences(values)
            if sync:
                collection.sync(content)
        except BaseException:
            database.close()  # a damaged file: let go of it, and of its -wal and -shm
            raise
        return collection

    def sync(self, content: Path | None = None) -> SyncReport:
        """Bring the bundled decks up to date (cheap when nothing changed)."""
        folder = content or content_dir()
        with self.db.reading() as reader:
            unchanged = bundled_decks_unchanged(reader, folder)
        if unchanged:
            self.sync_report = SyncReport()
        else:
            from studyapp.decks.sync import sync_bundled_decks

            self.sync_report = sync_bundled_decks(self.db, folder)
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

    def preferences(self) -> dict[str, int]:
        """The usable preferences stored in this collection (only those the learner has set)."""
        return self._stored_preferences()[0]

    def _stored_preferences(self) -> tuple[dict[str, int], list[str]]:
        with self.db.reading() as reader:
            return stored_preferences(reader.all("preferences"))

    def set_preference(self, key: str, value: str) -> int:
        """Store a preference (validated) and apply it to this collection's settings."""
        number = parse_preference(key, value)
        with self.db.writing() as sql:
            sql.run("write_preference", {"key": key, "value": str(number)})
        self.settings = self.settings.with_preferences({key: number})
        return number

    def home(self) -> HomeCounts:
        return home_counts(self.db, self.settings)

    def stats(self) -> StatsData:
        from studyapp.progress.stats import stats_data

        return stats_data(self.db, self.settings)

    def warm_up(self) -> None:
        """Load what the first review or drill needs (SQLAlchemy and its ORM, the engine's
        first connection), so that the first key press does not wait for it. The UI calls
        this off its own thread once the home screen is up."""
        import studyapp.progress.stats
        import studyapp.review.sessions  # noqa: F401

        self.db.warm_up()

    def review(self, deck_ids: Sequence[str] | None = None) -> ReviewSession:
        from studyapp.review.sessions import ReviewSession

        return ReviewSession(self.db, self.settings, deck_ids)

    def drill(
        self, topic_ids: Sequence[str] | None = None, difficulty: int = 1, seed: int | None = None
    ) -> DrillSession:
        from studyapp.review.sessions import DrillSession

        return DrillSession(self.db, self.settings, topic_ids, difficulty, seed)

    def card(self, card_id: str) -> CardView | None:
        from studyapp.review.sessions import load_card

        with self.db.session() as session:
            return load_card(session, card_id)

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
    ) -> list[CardRow]:
        """Cards whose front, back or tags contain `text` (case-insensitive), by deck/tag."""
        from sqlalchemy import false, or_, select

        from studyapp.store.models import Card

        query = select(Card).where(Card.retired == false()).order_by(Card.deck_id, Card.position)
        needle = text.strip()
        if needle:
            pattern = f"%{needle}%"
            query = query.where(
                or_(Card.front.ilike(pattern), Card.back.ilike(pattern), Card.tags.ilike(pattern))
            )
        if deck:
            query = query.where(Card.deck_id == deck)
        if tag:
            query = query.where((" " + Card.tags + " ").like(f"% {tag} %"))
        if not include_suspended:
            query = query.where(Card.suspended == false())
        with self.db.session() as session:
            return [
                CardRow(
                    c.id,
                    c.deck_id,
                    c.front,
                    c.tags,
                    c.easiness,
                    c.repetitions,
                    c.interval,
                    c.due.isoformat() if c.due else None,
                    c.lapses,
                    c.suspended,
                )
                for c in session.scalars(query.limit(limit))
            ]

    def suspend(self, card_id: str, suspended: bool = True) -> None:
        from studyapp.review.sessions import set_suspended

        set_suspended(self.db, card_id, suspended)

    def reset(self, card_id: str) -> None:
        from studyapp.review.sessions import reset_card

        reset_card(self.db, card_id)
