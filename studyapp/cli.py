"""The command line: bare `studyapp` opens the app; subcommands run without the UI.

Only click is imported at module level so that `studyapp --help` stays fast; each
command imports what it needs when it runs.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from studyapp.collection import Collection


def _open(ctx: click.Context, sync: bool = True, topics: bool = False) -> Collection:
    """Open the collection; with `topics`, also make sure every drill topic is scheduled."""
    from studyapp.collection import Collection
    from studyapp.store import DatabaseProblem

    try:
        collection = Collection.open(ctx.obj["db"], sync=sync)
        # Closed when the command ends, also when it fails halfway, so that a damaged
        # database is let go of at once (and no -wal or -shm file is left beside it).
        ctx.call_on_close(collection.close)
        if topics:
            collection.sync_topics()
    except DatabaseProblem as problem:
        raise click.ClickException(str(problem)) from None
    if collection.upgrade_backup is not None:
        click.echo(f"upgraded {collection.url}; backup at {collection.upgrade_backup}", err=True)
    for unusable in collection.preference_problems:
        click.echo(f"warning: {unusable}", err=True)
    report = collection.sync_report
    if report is not None:
        for error in report.errors:
            click.echo(f"warning: deck not loaded: {error}", err=True)
    collection.learning_path()
    if collection.path_problem:
        click.echo(f"warning: learning path not used: {collection.path_problem}", err=True)
    return collection


class _Group(click.Group):
    """Turns a database error met mid-command (corrupt page, lock held too long, disk
    turned read-only) into one plain line and exit status 1 instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.ClickException:
            raise  # already one line (and its --db may be one that cannot be resolved)
        except Exception as error:
            from studyapp.collection import StoreError

            if isinstance(error, StoreError):
                raise click.ClickException(str(error)) from None
            from studyapp.config import resolve_db_url
            from studyapp.store.db import explain

            message = explain(error, resolve_db_url((ctx.obj or {}).get("db")))
            if message is None:
                raise
            raise click.ClickException(message) from None


@click.group(
    cls=_Group,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--db",
    "db",
    envvar="STUDYAPP_DB",
    metavar="PATH_OR_URL",
    help="Database: a SQLite file path or a PostgreSQL URL (default: data/studyapp.db in a "
    "checkout, else the user data folder). Also STUDYAPP_DB.",
)
@click.version_option(package_name="studyapp")
@click.pass_context
def main(ctx: click.Context, db: str | None) -> None:
    """Study how neural networks work: SM-2 flashcards and engine-computed drills.

    Without a command, opens the terminal app.
    """
    ctx.obj = {"db": db}
    if ctx.invoked_subcommand is None:
        collection = _open(ctx)
        try:
            from studyapp.ui.app import run_app

            status = run_app(collection)
        finally:
            collection.close()
        if status:
            ctx.exit(status)  # an error ended the app, not the learner


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@click.pass_context
def stats(ctx: click.Context, as_json: bool) -> None:
    """Progress: today, streak, retention, reviews per day, forecast, drill accuracy."""
    from studyapp.progress.stats import stats_json

    collection = _open(ctx, topics=True)
    data = stats_json(collection.stats())
    data["calibration"] = collection.calibration_json()  # issue 17
    collection.close()
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    _print_stats(data)
    _print_calibration(data["calibration"])


def _print_calibration(found: dict[str, Any]) -> None:
    """Calibration as text: each scheduler's log loss and binned RMSE, retention at target."""
    click.echo(f"Calibration ({found['reviews']} review(s) with a prediction)")
    if not found["reviews"]:
        click.echo("  no item reviewed on two different days yet")
        return
    fitted = found["fsrs"]["fitted"]
    weights = (
        f"fitted {fitted['on']} on {fitted['reviews']} reviews" if fitted else "FSRS's defaults"
    )
    for name, label in (("sm2", "SM-2"), ("fsrs", f"FSRS ({weights})")):
        score = found[name]
        click.echo(
            f"  {label:<16} log loss {score['log_loss']:.3f}   RMSE (bins) {score['rmse_bins']:.3f}"
        )
    retention = found["retention"]
    click.echo(
        f"  retention       observed {_percent(retention['observed'])}, "
        f"desired {retention['desired']:.0%}"
    )


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{share:.0%}"


def _print_stats(data: dict[str, Any]) -> None:
    """The `stats --json` object as text, in the stats screen's order."""
    coverage, true = data["coverage"], data["retention_true_30d"]
    click.echo(f"Today ({data['today']})")
    click.echo(f"  cards today     {data['reviews_today']}   drills today {data['drills_today']}")
    click.echo(f"  streak          {data['streak_days']} day(s)")
    click.echo(f"  due now         {data['due_today']}   new available {data['new_available']}")
    click.echo(
        f"  syllabus        met {coverage['cards_met']} of {coverage['cards_total']} cards, "
        f"{coverage['topics_met']} of {coverage['topics_total']} topics"
    )
    if true["all"] is None:
        click.echo("  true retention  no learned card graded in 30 days")
    else:
        click.echo(
            f"  true retention  {_percent(true['all'])} (30 d; young {_percent(true['young'])},"
            f" mature {_percent(true['mature'])})"
        )
    width = max((len(deck["name"]) for deck in data["decks"]), default=0)
    width = min(max(width, 12), 30)
    click.echo(f"{'Cards by deck':<{width + 2}}   new  learning  lapsed  young  mature")
    for deck in data["decks"]:
        click.echo(
            f"  {deck['name'][:width]:<{width}} {deck['new']:>5} {deck['learning']:>9} "
            f"{deck['lapsed']:>7} {deck['young']:>6} {deck['mature']:>7}"
        )
    recent = data["per_day"][-14:]
    if recent:
        click.echo("Last study days  cards  drills  minutes (cards + drills)")
        for day in recent:
            minutes = day["card_minutes"] + day["drill_minutes"]
            click.echo(
                f"  {day['date']}  {day['reviews']:>5}  {day['drills']:>6}  "
                f"{day['card_minutes']:.0f} + {day['drill_minutes']:.0f} = {minutes:.0f}"
            )
    click.echo("Due in the next 7 days")
    for day in data["forecast"][:7]:
        click.echo(f"  {day['date']}  {day['due']:>5}")
    click.echo("Drill topics, weakest first (last 10: ✓ right, ✗ wrong)")
    for t in data["topics"]:
        title = t["title"][:34]
        if not t["attempts"]:
            click.echo(f"  {title:<34} never tried")
            continue
        click.echo(
            f"  {title:<34} {t['recent']:<10} {t['correct']:>4}/{t['attempts']:<4} "
            f"{t['accuracy']:.0%}  {t['total_seconds'] / 60:.0f} min"
            + ("  weak" if t["weak"] else "")
        )
    active = [m for m in data["misconceptions"] if m["status"] == "active"]
    if active:
        click.echo("Mistakes to unlearn (topic, times made, last made)")
        for m in active:
            click.echo(f"  {m['description']}")
            click.echo(f"    {m['topic']}, {m['seen']}×, {m['last_seen']}")


@main.command()
@click.argument("key", required=False)
@click.argument("value", required=False)
@click.pass_context
def config(ctx: click.Context, key: str | None, value: str | None) -> None:
    """Show the preferences, or set one: `studyapp config new_per_day 30`."""
    from studyapp.config import (
        CHOICE_PREFERENCES,
        FRACTION_PREFERENCES,
        PREFERENCES,
        retention_warning,
    )

    collection = _open(ctx, sync=False)
    try:
        if key is None:
            for name, (low, high, meaning) in PREFERENCES.items():
                current = getattr(collection.settings, name)
                click.echo(f"{name:<18} {current:>6}   {meaning} ({low}-{high})")
            for name, (_words, meaning) in CHOICE_PREFERENCES.items():
                current = getattr(collection.settings, name)
                click.echo(f"{name:<18} {current:>6}   {meaning}")
            for name, (lowest, highest, meaning) in FRACTION_PREFERENCES.items():
                current = getattr(collection.settings, name)
                click.echo(f"{name:<18} {current:>6}   {meaning} ({lowest}-{highest})")
            return
        if value is None:
            raise click.UsageError("give a value too, e.g. `studyapp config new_per_day 30`")
        with LateProgress("deriving FSRS's state from the review log") as bar:
            try:
                number = collection.set_preference(key, value, bar.update)
            except ValueError as error:
                raise click.ClickException(str(error)) from None
        click.echo(f"{key} = {number}")
        if key == "desired_retention" and isinstance(number, float):
            warning = retention_warning(number)
            if warning:
                click.echo(f"warning: {warning}", err=True)
    finally:
        collection.close()


@main.command()
@click.pass_context
def decks(ctx: click.Context) -> None:
    """The decks, with due, new and total card counts."""
    collection = _open(ctx)
    home = collection.home()
    sizes = collection.deck_sizes()
    collection.close()
    width = max((len(d.name) for d in home.decks), default=4)
    click.echo(f"{'deck':<{width}}  {'due':>5}  {'new':>5}  {'total':>5}  id")
    for deck in home.decks:
        total = sizes.get(deck.id, 0)
        click.echo(f"{deck.name:<{width}}  {deck.due:>5}  {deck.new:>5}  {total:>5}  {deck.id}")
    click.echo(
        f"{'all':<{width}}  {sum(d.due for d in home.decks):>5}  "
        f"{sum(d.new for d in home.decks):>5}  {sum(sizes.values()):>5}"
    )


@main.command()
@click.option(
    "--level",
    "set_level",
    nargs=2,
    type=(str, click.IntRange(1, 3)),
    metavar="TOPIC LEVEL",
    help="Give TOPIC's drills at LEVEL (1-3) from now on, as keys 1-3 on the topics screen.",
)
@click.pass_context
def topics(ctx: click.Context, set_level: tuple[str, int] | None) -> None:
    """The drill topics, with their schedule, level and the learner's accuracy."""
    collection = _open(ctx, topics=True)
    if set_level is not None:
        topic_id, level = set_level
        if topic_id not in {row.id for row in collection.topics()}:
            collection.close()
            raise click.BadParameter(
                f"no drill topic {topic_id!r} (`studyapp topics` lists them)", param_hint="--level"
            )
        before = collection.set_topic_level(topic_id, level)
        collection.close()
        click.echo(f"{topic_id}: level {level} (was {before})")
        return
    rows = collection.topics()
    collection.close()
    today = collection.settings.today()
    for topic in rows:
        if topic.due is None:
            schedule = "new"
        elif topic.due <= today:
            schedule = "due now"
        else:
            schedule = f"due {topic.due.isoformat()}"
        accuracy = f"{topic.correct}/{topic.attempts}" if topic.attempts else "-"
        click.echo(
            f"{topic.id:<28} {schedule:<15} level {topic.level} {accuracy:>7}  {topic.title}"
        )


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the plan as one JSON object.")
@click.pass_context
def plan(ctx: click.Context, as_json: bool) -> None:
    """Today's plan in order: the cards, the drill topics and about how long they take."""
    collection = _open(ctx, topics=True)
    today = collection.plan()
    collection.close()
    if as_json:
        click.echo(json.dumps(today.to_json(), indent=2))
        return
    new = sum(1 for c in today.cards if c.kind == "new")
    click.echo(
        f"Today ({today.today.isoformat()}): about {today.minutes} min — "
        f"{len(today.cards) - new} review(s), {new} new card(s), {len(today.topics)} drill topic(s)"
    )
    if today.cards:
        click.echo("Cards")
        for card in today.cards:
            click.echo(f"  {card.kind:<6}  {card.deck:<18}  {card.id}")
    if today.topics:
        click.echo("Drills")
        for topic in today.topics:
            line = f"  {topic.kind:<7}  level {topic.level}  {topic.id:<24}  {topic.title}"
            click.echo(line + (f"  (to unlearn: {topic.mistake})" if topic.mistake else ""))
    if not today.cards and not today.topics:
        click.echo("Nothing left for today.")


@main.command()
@click.option("--topic", "-t", "topic_ids", multiple=True, help="A topic id (repeatable).")
@click.option("--count", "-n", default=5, show_default=True, type=click.IntRange(1, 10000))
@click.option("--seed", "-s", type=click.IntRange(0, 2**63 - 1), help="Seed of the first problem.")
@click.option("--difficulty", "-d", default=1, show_default=True, type=click.IntRange(1, 3))
@click.option("--format", "fmt", type=click.Choice(["md", "json"]), default="md", show_default=True)
def problems(
    topic_ids: tuple[str, ...], count: int, seed: int | None, difficulty: int, fmt: str
) -> None:
    """A worksheet of freshly generated drill problems, with an answer key.

    Problem i uses seed SEED + i and cycles through the topics given (default: all).
    """
    import random

    from studyapp.drills import UnknownTopicError, get_topic, make_problem, registry

    try:
        chosen = [get_topic(t).id for t in topic_ids] or list(registry())
    except UnknownTopicError as error:
        raise click.UsageError(str(error).strip("'\"")) from None
    first = seed if seed is not None else random.randrange(2**31)
    made = [make_problem(chosen[i % len(chosen)], first + i, difficulty) for i in range(count)]
    if fmt == "json":
        click.echo(json.dumps([p.to_json() for p in made], indent=2))
    else:
        from studyapp.transfer.worksheet import worksheet_markdown

        click.echo(worksheet_markdown(made))


CHECK_EXIT = {"wrong": 1, "unread": 3}
"""`studyapp check`'s exit codes beyond 0 (all filled steps right or carried): 1 when a step
is wrong, else 3 when one could not be read (2 is click's, for a usage error)."""


@main.command()
@click.option("--topic", "-t", "topic_id", required=True, help="The problem's topic id.")
@click.option("--seed", "-s", required=True, type=click.IntRange(0, 2**63 - 1))
@click.option("--difficulty", "-d", default=1, show_default=True, type=click.IntRange(1, 3))
@click.option(
    "--answers",
    "-a",
    required=True,
    help='Filled checkpoints, "z1=1.41; a1=0.80; answer=0.092" (or just the answer).',
)
@click.option("--json", "as_json", is_flag=True, help="Print the grade as JSON.")
def check(topic_id: str, seed: int, difficulty: int, answers: str, as_json: bool) -> None:
    """Grade answers to a worksheet problem, checkpoint by checkpoint.

    The problem is the one `studyapp problems` prints for the same topic, seed and
    difficulty; `--format json` lists its checkpoints. Each filled step is graded from your
    own earlier values: right, carried (right from your earlier value), wrong (with the
    known slip that explains it, where one does), unread (with why), or missing. Exit code
    0 when nothing filled is wrong or unread, 1 when a step is wrong, 3 when something could
    not be read.
    """
    from studyapp.answers.steps import NamedAnswersError, grade_steps, read_named, verdict_json
    from studyapp.drills import UnknownTopicError, make_problem
    from studyapp.drills.mistakes import describe
    from studyapp.review.drilling import derived_quality

    try:
        problem = make_problem(topic_id, seed, difficulty)
    except UnknownTopicError as error:
        raise click.UsageError(str(error).strip("'\"")) from None
    names = [point.name for point in problem.checkpoints]
    try:
        verdict = grade_steps(problem, read_named(answers, names))
    except NamedAnswersError as error:
        raise click.UsageError(f"--answers: {error}") from None
    statuses = {step.status for step in verdict.steps}
    code = next((CHECK_EXIT[s] for s in ("wrong", "unread") if s in statuses), 0)
    grade = (
        None
        if verdict.outcome == "unreadable"
        else derived_quality(verdict.outcome, False, verdict.one_slip, "wrong" in statuses)
    )
    if as_json:
        found = {"topic": topic_id, "seed": seed, "difficulty": difficulty, "grade": grade}
        click.echo(
            json.dumps(found | verdict_json(verdict, describe), indent=2, ensure_ascii=False)
        )
        raise SystemExit(code)
    click.echo(f"{problem.title} ({topic_id}, seed {seed}, difficulty {difficulty})")
    width = max(len(step.name) for step in verdict.steps)
    for step in verdict.steps:
        yours = step.typed or "—"
        click.echo(f"  {step.name:<{width}}  {step.status:<7}  {yours:<14}  {step.label}")
        if step.slip:
            click.echo(f"  {'':<{width}}  slip {step.slip}: {describe(step.slip)}")
        if step.message and step.status in ("wrong", "unread"):
            click.echo(f"  {'':<{width}}  {step.message}")
        if step.status == "carried":
            click.echo(f"  {'':<{width}}  right from your earlier values")
    click.echo(verdict.message + (f" Grade {grade}." if grade is not None else ""))
    raise SystemExit(code)


@main.command(name="import")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--deck", "deck_id", help="Deck id for a CSV/TSV import (default: the file name).")
@click.option(
    "--replace",
    is_flag=True,
    help="For a JSON export: replace a database that already holds study data.",
)
@click.option(
    "--schedule",
    type=click.Choice(["keep", "anki"]),
    default="keep",
    show_default=True,
    help="For an Anki package: keep the schedule of cards studied here, or take Anki's.",
)
@click.pass_context
def import_(
    ctx: click.Context, path: Path, deck_id: str | None, replace: bool, schedule: str
) -> None:
    """Import cards, or restore a whole collection from a JSON export.

    \b
    PATH is read by its kind:
      *.toml        a studyapp deck file
      *.csv, *.tsv  front, back and optional tags, one card per row
      *.txt         the same, or Anki's "Notes in Plain Text" export (#separator:tab ...):
                    decks from its deck column (subdecks kept), notes matched by guid,
                    rows Anki would not take reported with their line, the rest imported
      *.apkg        an Anki package (.colpkg too), any Anki version's format: every
                    card of every note (reversed and cloze cards each their own),
                    decks as "Parent::Child", tags, suspension, the schedule and the
                    whole review log. Notes match on Anki's GUID: importing again
                    updates cards in place. --schedule keep (default) leaves the
                    schedule of cards studied here alone; --schedule anki takes Anki's.
      *.json        a `studyapp export --format json` file: the whole collection

    Deck imports add or update cards by stable id (importing the same file again updates,
    never duplicates) and leave other cards alone. A JSON import replaces everything in the
    database (cards, decks, schedules, review log, drill attempts, preferences) with the
    export's contents; into a database that holds no study data yet it just loads, otherwise
    (any review, drill attempt, imported deck, suspended card or preference) it refuses
    unless --replace is given. A file that cannot be imported is reported in one line and
    the database is left unchanged.
    """
    from studyapp.decks.format import DeckError, parse_deck
    from studyapp.transfer.restore import ImportProblem, read_json
    from studyapp.transfer.text_files import SkippedRow, read_text_import

    if not path.is_file():
        raise click.ClickException(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".json":
        try:
            restored = read_json(path)
        except ImportProblem as problem:
            raise click.ClickException(str(problem)) from None
        collection = _open(ctx, sync=False)
        try:
            with LateProgress(f"restoring {path.name}") as bar:
                collection.restore(restored, replace=replace, progress=bar.update)
        except ImportProblem as problem:
            raise click.ClickException(f"{path}: {problem}") from None
        finally:
            collection.close()
        click.echo(
            f"restored {len(restored.cards)} card(s) in {len(restored.decks)} deck(s), "
            f"{len(restored.topics)} drill topic(s), {len(restored.reviews)} review(s) and "
            f"{len(restored.attempts)} drill attempt(s) from {path}"
        )
        return
    if suffix in (".apkg", ".colpkg"):
        _import_anki(ctx, path, schedule)
        return
    rows: list[SkippedRow] = []
    try:
        if suffix == ".toml":
            specs = [parse_deck(path)]
        else:
            table = read_text_import(path, deck_id)
            specs, rows = table.decks, table.skipped
    except DeckError as error:
        raise click.ClickException(str(error)) from None
    collection = _open(ctx)
    try:
        with LateProgress(f"importing {path.name}") as bar:
            report = collection.import_decks(specs, progress=bar.update)
    finally:
        collection.close()
    if report.errors:
        raise click.ClickException("; ".join(str(e) for e in report.errors))
    total = sum(len(spec.cards) for spec in specs)
    ids = ", ".join(repr(spec.id) for spec in specs)
    label = f"deck {ids}" if len(specs) == 1 else f"{len(specs)} decks ({ids})"
    click.echo(
        f"imported {label}: {report.added} new card(s), {report.updated} updated, "
        f"{total - report.added - report.updated} unchanged"
    )
    for row in rows:
        click.echo(f"{path}:{row.line}: skipped: {row.reason}", err=True)


PROGRESS_AFTER_SECONDS = 1.0
"""An import or export that has run this long shows a progress bar (on stderr) until it ends."""


class LateProgress:
    """A progress bar on stderr (stdout stays the result alone) that appears only once the
    work has taken `delay` seconds: `update(done, total)` as it goes."""

    def __init__(self, label: str, delay: float | None = None) -> None:
        self.label = label
        self.delay = PROGRESS_AFTER_SECONDS if delay is None else delay
        self.started = time.monotonic()
        self.bar: Any = None
        self.task: Any = None

    def __enter__(self) -> LateProgress:
        self.started = time.monotonic()
        return self

    def update(self, done: int, total: int) -> None:
        if self.bar is None:
            if time.monotonic() - self.started < self.delay:
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

            self.bar = Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
            )
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=total)
        self.bar.update(self.task, completed=done, total=total)

    def __exit__(self, *exception: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def _import_anki(ctx: click.Context, path: Path, schedule: str) -> None:
    """An Anki package: read it, then bring it in with a progress bar on stderr."""
    from studyapp.transfer.anki import PackageError
    from studyapp.transfer.anki_read import read_collection

    with LateProgress(f"importing {path.name}") as bar:
        try:
            anki = read_collection(path)
        except PackageError as error:
            raise click.ClickException(str(error)) from None
        collection = _open(ctx)
        try:
            report = collection.import_anki(anki, path, schedule=schedule, progress=bar.update)
        finally:
            collection.close()
    names = ", ".join(f"{name!r}" for _, name in report.decks)
    click.echo(
        f"imported {len(report.decks)} deck(s) ({names}): {report.added} new card(s), "
        f"{report.updated} updated, {report.unchanged} unchanged; "
        f"{report.schedules_taken} schedule(s) from Anki, {report.reviews} review(s) added"
    )
    for line in report.skipped:
        click.echo(f"skipped {line}", err=True)


@main.command()
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json", "apkg"]), default="json", show_default=True
)
@click.option(
    "-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="File to write."
)
@click.pass_context
def export(ctx: click.Context, fmt: str, output: Path | None) -> None:
    """Export cards with their schedules and the review history.

    \b
    json  the whole collection (decks, cards, schedules, drill topics, every review with
          its state before and after, drill attempts, preferences); `studyapp import`
          of this file restores it exactly.
    csv   the cards to OUTPUT and the review history beside it (NAME.reviews.csv);
          without -o it prints the cards.
    apkg  an Anki package (needs -o): decks as studyapp::<deck> (decks that came from
          Anki under their Anki names, notes under their Anki GUIDs), tags, each card's
          schedule as far as Anki can hold it (interval, ease = EF x 1000, reviews,
          lapses, due day, suspended) and the review log (grades 0-2 Again, 3 Hard,
          4 Good, 5 Easy); due days count from your study day in any time zone.
    """
    from studyapp.transfer import export as exporting

    collection = _open(ctx, topics=True)
    try:
        if fmt == "json":
            with _progress_bar(output.name if output else "JSON") as bar:
                document = collection.export_json(progress=bar)
            text = json.dumps(document, indent=1, ensure_ascii=False)
            _write_or_print(output, text + "\n")
        elif fmt == "csv":
            if output is None:
                collection.write_cards_csv(sys.stdout)
            else:
                reviews_path = exporting.reviews_path_for(output)
                with exporting.replacing(output) as cards_file:  # both files, or neither
                    with (
                        cards_file.open("w", newline="", encoding="utf-8") as out,
                        _progress_bar(output.name) as bar,
                    ):
                        cards = collection.write_cards_csv(out, progress=bar)
                    with (
                        exporting.replacing(reviews_path) as reviews_file,
                        reviews_file.open("w", newline="", encoding="utf-8") as out,
                        _progress_bar(reviews_path.name) as bar,
                    ):
                        reviews = collection.write_reviews_csv(out, progress=bar)
                click.echo(
                    f"wrote {cards} cards to {output} and {reviews} reviews to {reviews_path}"
                )
        else:
            if output is None:
                raise click.UsageError("--format apkg needs -o FILE.apkg")
            with exporting.replacing(output) as package, _progress_bar(output.name) as bar:
                count = collection.write_apkg(package, progress=bar)
            click.echo(f"wrote {count} cards to {output}")
    except exporting.ExportProblem as problem:
        raise click.ClickException(str(problem)) from None
    finally:
        collection.close()


# Browse from the command line (issue 15): the same search, filters and sorts as the
# browse screen, and a card's review history.

SORT_KEYS = ("deck", "front", "ef", "reps", "interval", "due", "lapses", "added")
FILTER_NAMES = ("suspended", "leech", "new", "learned")


@main.command()
@click.argument("query", nargs=-1)
@click.option("--deck", help="Only this deck (its id: `studyapp decks`).")
@click.option("--tag", help="Only cards with a tag starting with this (rel finds relu).")
@click.option(
    "--is", "filters", multiple=True, type=click.Choice(FILTER_NAMES), help="Only these cards."
)
@click.option("--sort", type=click.Choice(SORT_KEYS), default="deck", show_default=True)
@click.option("--desc", is_flag=True, help="Largest (latest) first.")
@click.option("--limit", type=click.IntRange(1), default=1000, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the cards as JSON lines.")
@click.pass_context
def cards(
    ctx: click.Context,
    query: tuple[str, ...],
    deck: str | None,
    tag: str | None,
    filters: tuple[str, ...],
    sort: str,
    desc: bool,
    limit: int,
    as_json: bool,
) -> None:
    """The cards holding every word of QUERY (any part of a word; tag:…, deck:… and is:…
    terms as in browse), with their schedule."""
    import json
    from dataclasses import asdict

    collection = _open(ctx)
    rows = collection.search_cards(
        " ".join(query),
        deck=deck,
        tag=tag,
        filters=filters,
        sort=sort,
        descending=desc,
        limit=limit,
    )
    for row in rows:
        if as_json:
            click.echo(json.dumps(asdict(row), ensure_ascii=False))
            continue
        due = row.due or "new"
        front = " ".join(row.front.split())
        mark = " susp." if row.suspended else ""
        click.echo(
            f"{row.id:<28} {due:<10} EF {row.easiness:<4.2f} {row.repetitions:>3}x "
            f"{row.interval:>5}d {row.lapses:>2} lapses  added {row.added or '-':<10}"
            f"{mark}  {front[:60]}"
        )
    if not as_json:
        click.echo(f"{len(rows)} card(s)" + (f" (the first {limit})" if len(rows) >= limit else ""))


@main.command()
@click.argument("card_id")
@click.option("--json", "as_json", is_flag=True, help="Print the grades as JSON lines.")
@click.pass_context
def history(ctx: click.Context, card_id: str, as_json: bool) -> None:
    """Every grade CARD_ID was given, oldest first: day, grade, time taken, interval before
    and after."""
    import json

    collection = _open(ctx, sync=False)
    if collection.card(card_id) is None:
        raise click.ClickException(f"no card {card_id!r} (`studyapp cards` lists them)")
    entries = collection.card_history(card_id)
    for entry in entries:
        if as_json:
            record = {
                "time": entry.reviewed_at.isoformat(timespec="milliseconds"),
                "day": entry.day.isoformat(),
                "quality": entry.quality,
                "seconds": entry.seconds,
                "repeat": entry.repeat,
                "interval_before": entry.interval_before,
                "interval_after": entry.interval_after,
                "imported": entry.imported,
            }
            click.echo(json.dumps(record))
            continue
        note = "  again that day" if entry.repeat else ("  from Anki" if entry.imported else "")
        click.echo(
            f"{entry.day.isoformat()}  grade {entry.quality}  {entry.seconds:6.1f} s  "
            f"{entry.interval_before:>5}d -> {entry.interval_after}d{note}"
        )
    if not as_json:
        click.echo(f"{len(entries)} grade(s)")


@contextmanager
def _progress_bar(name: str) -> Iterator[Callable[[int, int], None]]:
    """A progress callback for writing `name`: a bar on stderr once it has run a second."""
    with LateProgress(f"Writing {name}") as bar:
        yield bar.update


def _write_or_print(output: Path | None, text: str) -> None:
    from studyapp.transfer.export import replacing

    if output is None:
        click.echo(text, nl=False)
    else:
        with replacing(output) as written:
            written.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
