"""The command line: bare `studyapp` opens the app; subcommands run without the UI.

Only click is imported at module level so that `studyapp --help` stays fast; each
command imports what it needs when it runs.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from studyapp.collection import Collection, CustomStudy


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
    unfitted = collection.fsrs_not_fitted()
    collection.close()
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    _print_stats(data)
    _print_calibration(data["calibration"])
    if unfitted is not None:
        click.echo(
            f"  FSRS not fitted on {unfitted.day.isoformat()} ({unfitted.reviews} reviews): "
            f"{unfitted.reason}; its defaults stay"
        )


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


Column = tuple[str, str]
"""A table column: its header and how its cells sit ("left" or "right")."""


def _print_table(columns: list[Column], rows: list[list[str]], indent: int = 0) -> None:
    """A table with rich, which measures each cell's width on screen (a CJK character or
    an emoji takes two columns), so the columns stay aligned whatever the text. No colour
    and no borders: piped to a file it stays plain, greppable text. On a terminal it fits
    the window (long cells fold); elsewhere no line is ever wrapped."""
    import io
    import shutil

    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, pad_edge=False, padding=(0, 1), show_edge=False, header_style="")
    for header, justify in columns:
        table.add_column(header, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for row in rows:
        table.add_row(*row)
    terminal = sys.stdout.isatty()
    width = shutil.get_terminal_size().columns - indent if terminal else 10_000
    buffer = io.StringIO()
    Console(file=buffer, width=max(width, 20), color_system=None, highlight=False).print(table)
    for line in buffer.getvalue().splitlines():
        click.echo((" " * indent + line).rstrip())


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
    click.echo("Cards by deck")
    counts = ("new", "learning", "lapsed", "young", "mature")
    _print_table(
        [("deck", "left"), *((name, "right") for name in counts)],
        [[deck["name"], *(str(deck[name]) for name in counts)] for deck in data["decks"]],
        indent=2,
    )
    recent = data["per_day"][-14:]
    if recent:
        click.echo("Last study days")
        _print_table(
            [("day", "left"), ("cards", "right"), ("drills", "right"), ("minutes", "left")],
            [
                [
                    day["date"],
                    str(day["reviews"]),
                    str(day["drills"]),
                    f"{day['card_minutes']:.0f} + {day['drill_minutes']:.0f} = "
                    f"{day['card_minutes'] + day['drill_minutes']:.0f} (cards + drills)",
                ]
                for day in recent
            ],
            indent=2,
        )
    click.echo("Due in the next 7 days")
    _print_table(
        [("day", "left"), ("due", "right")],
        [[day["date"], str(day["due"])] for day in data["forecast"][:7]],
        indent=2,
    )
    click.echo("Drill topics, weakest first (last 10: ✓ right, ✗ wrong)")
    _print_table(
        [("topic", "left"), ("last 10", "left"), ("right", "right"), ("", "right"), ("", "left")],
        [
            [t["title"], "never tried", "", "", ""]
            if not t["attempts"]
            else [
                t["title"],
                t["recent"],
                f"{t['correct']}/{t['attempts']}",
                f"{t['accuracy']:.0%}",
                f"{t['total_seconds'] / 60:.0f} min" + ("  weak" if t["weak"] else ""),
            ]
            for t in data["topics"]
        ],
        indent=2,
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
            settings = collection.settings
            rows = [
                [name, str(getattr(settings, name)), f"{meaning} ({low}-{high})"]
                for name, (low, high, meaning) in PREFERENCES.items()
            ]
            rows += [
                [name, str(getattr(settings, name)), meaning]
                for name, (_words, meaning) in CHOICE_PREFERENCES.items()
            ]
            rows += [
                [name, str(getattr(settings, name)), f"{meaning} ({lowest}-{highest})"]
                for name, (lowest, highest, meaning) in FRACTION_PREFERENCES.items()
            ]
            _print_table([("preference", "left"), ("value", "right"), ("", "left")], rows)
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
    rows = [
        [deck.name, str(deck.due), str(deck.new), str(sizes.get(deck.id, 0)), deck.id]
        for deck in home.decks
    ]
    rows.append(
        [
            "all",
            str(sum(d.due for d in home.decks)),
            str(sum(d.new for d in home.decks)),
            str(sum(sizes.values())),
            "",
        ]
    )
    _print_table(
        [("deck", "left"), ("due", "right"), ("new", "right"), ("total", "right"), ("id", "left")],
        rows,
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
    lines = []
    for topic in rows:
        if topic.due is None:
            schedule = "new"
        elif topic.due <= today:
            schedule = "due now"
        else:
            schedule = f"due {topic.due.isoformat()}"
        accuracy = f"{topic.correct}/{topic.attempts}" if topic.attempts else "-"
        lines.append([topic.id, schedule, f"level {topic.level}", accuracy, topic.title])
    _print_table(
        [
            ("topic", "left"),
            ("schedule", "left"),
            ("", "left"),
            ("right", "right"),
            ("title", "left"),
        ],
        lines,
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
    if today.extra_new:
        click.echo(f"Custom study: {today.extra_new} more new card(s) allowed today")
    if today.cards:
        click.echo("Cards")
        _print_table(
            [("kind", "left"), ("deck", "left"), ("card", "left")],
            [[card.kind, card.deck, card.id] for card in today.cards],
            indent=2,
        )
    if today.topics:
        click.echo("Drills")
        _print_table(
            [("kind", "left"), ("", "left"), ("topic", "left"), ("title", "left")],
            [
                [
                    topic.kind,
                    f"level {topic.level}",
                    topic.id,
                    topic.title + (f"  (to unlearn: {topic.mistake})" if topic.mistake else ""),
                ]
                for topic in today.topics
            ],
            indent=2,
        )
    if not today.cards and not today.topics:
        click.echo("Nothing left for today.")


@main.group()
def custom() -> None:
    """Custom study: more new cards today, and what review ahead, a cram or today's
    failures would ask (the sessions themselves: `c` on the home screen)."""


@custom.command(name="new")
@click.argument("count", type=click.IntRange(1, 9999))
@click.pass_context
def custom_new(ctx: click.Context, count: int) -> None:
    """Allow COUNT more new cards today only (`new_per_day` stays as it is)."""
    collection = _open(ctx)
    extra = collection.more_new_today(count)
    limit = collection.settings.new_limit(collection.settings.today())
    click.echo(f"{count} more new card(s) today: today's new-card limit is {limit} (+{extra})")


def _print_custom(ctx: click.Context, custom: CustomStudy) -> None:
    ids = _open(ctx).custom_cards(custom)
    click.echo(
        f"{custom.title}: {len(ids)} card(s)" + (" — press c on the home screen" if ids else "")
    )
    for card_id in ids:
        click.echo(f"  {card_id}")


@custom.command(name="ahead")
@click.argument("days", type=click.IntRange(1, 365))
@click.pass_context
def custom_ahead(ctx: click.Context, days: int) -> None:
    """List the cards due in the next DAYS days that review ahead would ask."""
    from studyapp.collection import CustomStudy

    _print_custom(ctx, CustomStudy("ahead", days=days))


@custom.command(name="cram")
@click.option("--deck", help="A deck id.")
@click.option("--tag", help="A tag.")
@click.option("--search", "text", default="", help="Words in the front, back or tags.")
@click.pass_context
def custom_cram(ctx: click.Context, deck: str | None, tag: str | None, text: str) -> None:
    """List the cards a cram of this deck, tag or search would ask."""
    from studyapp.collection import CustomStudy

    _print_custom(ctx, CustomStudy("cram", deck=deck, tag=tag, text=text))


@custom.command(name="failures")
@click.pass_context
def custom_failures(ctx: click.Context) -> None:
    """List the cards graded below 3 today, that "again today's failures" would ask."""
    from studyapp.collection import CustomStudy

    _print_custom(ctx, CustomStudy("failures"))


@custom.command(name="leeches")
@click.pass_context
def custom_leeches(ctx: click.Context) -> None:
    """List the leeches: cards tagged leech, and drill topics that keep lapsing."""
    collection = _open(ctx)
    cards, topics = collection.leeches(), collection.leech_topics()
    click.echo(f"{len(cards)} leech card(s), {len(topics)} leech topic(s)")
    for row in cards:
        state = "suspended" if row.suspended else "in play"
        click.echo(f"  {row.id:<28} {row.lapses:>3} lapses  {state:<9}  {row.front[:40]}")
    for topic_id, title, lapses in topics:
        click.echo(f"  {topic_id:<28} {lapses:>3} lapses  topic      {title[:40]}")
    if cards:
        click.echo("Bring one back in the app: b (browse), tag leech, then s on the card.")


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
    rows = []
    for step in verdict.steps:
        rows.append([step.name, step.status, step.typed or "—", step.label])
        notes = []
        if step.slip:
            notes.append(f"slip {step.slip}: {describe(step.slip)}")
        if step.message and step.status in ("wrong", "unread"):
            notes.append(step.message)
        if step.status == "carried":
            notes.append("right from your earlier values")
        rows += [["", "", "", note] for note in notes]
    _print_table(
        [("step", "left"), ("status", "left"), ("yours", "left"), ("", "left")], rows, indent=2
    )
    click.echo(verdict.message + (f" Grade {grade}." if grade is not None else ""))
    raise SystemExit(code)


def _restore_snapshot(ctx: click.Context, path: Path, replace: bool) -> None:
    """`studyapp import` of a snapshot: the whole collection replaced, or nothing."""
    from studyapp.config import resolve_db_url
    from studyapp.store.snapshot import new_file_for, row_counts
    from studyapp.transfer.restore import ImportProblem
    from studyapp.transfer.snapshot import SnapshotProblem, restore_to_new_file

    new_file = new_file_for(resolve_db_url(ctx.obj["db"]))
    try:
        with LateProgress(f"restoring {path.name}") as bar:
            if new_file is not None and restore_to_new_file(path, new_file, bar.update):
                held = row_counts(new_file)
            else:
                collection = _open(ctx, sync=False)
                try:
                    held = collection.restore_snapshot(path, replace, progress=bar.update)
                finally:
                    collection.close()
    except (ImportProblem, SnapshotProblem) as problem:
        raise click.ClickException(f"{path}: {problem}") from None
    click.echo(
        f"restored {held['cards']} card(s) in {held['decks']} deck(s), {held['topics']} drill "
        f"topic(s), {held['reviews']} review(s) and {held['drill_attempts']} drill attempt(s) "
        f"from {path}"
    )


@main.command(name="import")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--deck", "deck_id", help="Deck id for a CSV/TSV import (default: the file name).")
@click.option(
    "--replace",
    is_flag=True,
    help="For a JSON export or a snapshot: replace a database that already holds study data.",
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
      *.studyapp    a `studyapp export --format snapshot` file (known by its content,
                    whatever its name): the whole collection, as it was

    Deck imports add or update cards by stable id (importing the same file again updates,
    never duplicates) and leave other cards alone. A JSON import (or a snapshot) replaces
    everything in the database (cards, decks, schedules, review log, drill attempts,
    preferences) with the export's contents; into a database that holds no study data yet
    it just loads, otherwise (any review, drill attempt, imported deck, suspended card or
    preference) it refuses unless --replace is given. A file that cannot be imported is
    reported in one line and the database is left unchanged.
    """
    from studyapp.decks.format import DeckError, parse_deck
    from studyapp.transfer.restore import ImportProblem, open_backup
    from studyapp.transfer.snapshot import is_snapshot
    from studyapp.transfer.text_files import SkippedRow, read_text_import

    if not path.is_file():
        raise click.ClickException(f"{path}: no such file")
    suffix = path.suffix.lower()
    if is_snapshot(path):
        _restore_snapshot(ctx, path, replace)
        return
    if suffix == ".json":
        collection = _open(ctx, sync=False)
        try:
            with LateProgress(f"restoring {path.name}") as bar:
                restored = collection.restore(
                    open_backup(path), replace=replace, progress=bar.update
                )
        except ImportProblem as problem:
            message = str(problem)
            raise click.ClickException(
                message if message.startswith(f"{path}: ") else f"{path}: {message}"
            ) from None
        finally:
            collection.close()
        click.echo(
            f"restored {restored.count('cards')} card(s) in {restored.count('decks')} deck(s), "
            f"{restored.count('topics')} drill topic(s), {restored.count('reviews')} review(s) "
            f"and {restored.count('drill_attempts')} drill attempt(s) from {path}"
        )
        return
    if suffix in (".apkg", ".colpkg"):
        _import_anki(ctx, path, schedule)
        return
    rows: list[SkippedRow] = []
    # One bar from the first byte read to the last card stored: reading a long file
    # counts towards the second after which it shows.
    with LateProgress(f"importing {path.name}") as bar:
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
    work has taken `delay` seconds: `update(done, total)` as it goes.

    A timer shows it at `delay` even while a step tells nothing (reading a file before its
    rows are counted): the bar then pulses until the first count. A delay of 0 shows it at
    once, with no timer, so a test of a "slow" run is deterministic."""

    def __init__(self, label: str, delay: float | None = None) -> None:
        self.label = label
        self.delay = PROGRESS_AFTER_SECONDS if delay is None else delay
        self.started = time.monotonic()
        self.bar: Any = None
        self.task: Any = None
        self.last: tuple[int, int | None] = (0, None)
        self.lock = threading.Lock()
        self.timer: threading.Timer | None = None
        self.ended = False

    def __enter__(self) -> LateProgress:
        self.started = time.monotonic()
        if self.delay <= 0:
            self._show()
        else:
            self.timer = threading.Timer(self.delay, self._show)
            self.timer.daemon = True
            self.timer.start()
        return self

    def update(self, done: int, total: int) -> None:
        with self.lock:
            self.last = (done, total)
            if self.bar is not None:
                self.bar.update(self.task, completed=done, total=total)
                return
        if time.monotonic() - self.started >= self.delay:
            self._show()

    def _show(self) -> None:
        with self.lock:
            if self.bar is not None or self.ended:
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
            done, total = self.last
            self.task = self.bar.add_task(self.label, total=total, completed=done)

    def __exit__(self, *exception: object) -> None:
        if self.timer is not None:
            self.timer.cancel()
        with self.lock:
            self.ended = True  # a timer that fires late shows nothing
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
        try:
            collection = _open(ctx)
            try:
                report = collection.import_anki(anki, path, schedule=schedule, progress=bar.update)
            finally:
                collection.close()
        finally:
            anki.close()  # the unpacked collection it streamed the review log from
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
    "--format",
    "fmt",
    type=click.Choice(["csv", "json", "apkg", "snapshot"]),
    default="json",
    show_default=True,
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
    snapshot
          the collection's database file whole, compressed (needs -o; by convention
          NAME.studyapp): the fast full backup, as Anki's .colpkg; `studyapp import`
          restores it exactly. Of a SQLite collection only (use json on a server).
    """
    from studyapp.transfer.files import ExportProblem, replacing
    from studyapp.transfer.snapshot import SnapshotProblem

    # A snapshot copies the collection as it is: no deck sync, and no exporter's imports.
    collection = _open(ctx, sync=False) if fmt == "snapshot" else _open(ctx, topics=True)
    try:
        if fmt == "json":
            with _progress_bar(output.name if output else "JSON") as bar:
                if output is None:  # stdout holds the backup alone; the bar is on stderr
                    sys.stdout.flush()
                    collection.write_backup(sys.stdout.buffer, progress=bar)
                    sys.stdout.buffer.flush()
                else:
                    with replacing(output) as written, written.open("wb") as out:
                        collection.write_backup(out, progress=bar)
            if output is not None:
                click.echo(f"wrote {output}", err=True)
        elif fmt == "csv":
            if output is None:
                with _progress_bar("cards to stdout") as bar:
                    collection.write_cards_csv(sys.stdout, progress=bar)
            else:
                from studyapp.transfer.export import reviews_path_for

                reviews_path = reviews_path_for(output)
                with replacing(output) as cards_file:  # both files, or neither
                    with (
                        cards_file.open("w", newline="", encoding="utf-8") as out,
                        _progress_bar(output.name) as bar,
                    ):
                        cards = collection.write_cards_csv(out, progress=bar)
                    with (
                        replacing(reviews_path) as reviews_file,
                        reviews_file.open("w", newline="", encoding="utf-8") as out,
                        _progress_bar(reviews_path.name) as bar,
                    ):
                        reviews = collection.write_reviews_csv(out, progress=bar)
                click.echo(
                    f"wrote {cards} cards to {output} and {reviews} reviews to {reviews_path}"
                )
        elif fmt == "snapshot":
            if output is None:
                raise click.UsageError("--format snapshot needs -o FILE.studyapp")
            with (
                replacing(output) as written,
                written.open("wb") as out,
                _progress_bar(output.name) as bar,
            ):
                size = collection.write_snapshot(out, progress=bar)
            click.echo(f"wrote {output} ({size / 2**20:.1f} MiB of collection, compressed)")
        else:
            if output is None:
                raise click.UsageError("--format apkg needs -o FILE.apkg")
            with replacing(output) as package, _progress_bar(output.name) as bar:
                count = collection.write_apkg(package, progress=bar)
            click.echo(f"wrote {count} cards to {output}")
    except (ExportProblem, SnapshotProblem) as problem:
        raise click.ClickException(str(problem)) from None
    finally:
        collection.close()


# ------------------------------------------------------------------------------ shaping cards


def _card_fields(
    front: str | None, back: str | None, hook: str | None, why: str | None, tags: str | None
) -> dict[str, str | None]:
    given = {"front": front, "back": back, "mnemonic": hook, "why": why, "tags": tags}
    return {name: value for name, value in given.items() if value is not None}


@main.command()
@click.option("--deck", required=True, help="A deck of your own (a new name makes one).")
@click.option("--front", required=True, help="The question.")
@click.option("--back", required=True, help="The answer.")
@click.option("--hook", help="An optional mnemonic.")
@click.option("--why", help="An optional reason the answer is so.")
@click.option("--tags", default="", help="Space-separated tags.")
@click.pass_context
def add(
    ctx: click.Context,
    deck: str,
    front: str,
    back: str,
    hook: str | None,
    why: str | None,
    tags: str,
) -> None:
    """Add a card of your own (new: it comes with today's new cards); prints its id."""
    from studyapp.collection import CardProblem

    collection = _open(ctx)
    try:
        card_id = collection.add_card(deck, _card_fields(front, back, hook, why, tags))
    except CardProblem as problem:
        raise click.ClickException(str(problem)) from None
    click.echo(card_id)


@main.command()
@click.argument("card_id")
@click.option("--front", help="The new question.")
@click.option("--back", help="The new answer.")
@click.option("--hook", help="The new mnemonic ('' removes it).")
@click.option("--why", help="The new reason ('' removes it).")
@click.option("--tags", help="The new space-separated tags.")
@click.pass_context
def edit(
    ctx: click.Context,
    card_id: str,
    front: str | None,
    back: str | None,
    hook: str | None,
    why: str | None,
    tags: str | None,
) -> None:
    """Change a card's text, keeping its history; a bundled card keeps your version over
    later updates of its deck (`studyapp revert` goes back to the bundled text)."""
    from studyapp.collection import CardProblem

    collection = _open(ctx)
    try:
        text = collection.card_text(card_id)
        changed = collection.edit_card(
            card_id, text.fields | _card_fields(front, back, hook, why, tags)
        )
    except (CardProblem, LookupError) as problem:
        raise click.ClickException(str(problem)) from None
    click.echo(f"{card_id}: {'saved' if changed else 'unchanged'}")


@main.command()
@click.argument("card_id")
@click.pass_context
def revert(ctx: click.Context, card_id: str) -> None:
    """Give an edited bundled card the bundled deck's current text again."""
    collection = _open(ctx)
    try:
        collection.revert_card(card_id)
    except LookupError as problem:
        raise click.ClickException(str(problem)) from None
    click.echo(f"{card_id}: back to the bundled text")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the flags as one JSON object.")
@click.pass_context
def flags(ctx: click.Context, as_json: bool) -> None:
    """The cards learners flagged as wrong or unclear, with deck, note and date (f in the app)."""
    collection = _open(ctx)
    rows = collection.flags()
    if as_json:
        click.echo(json.dumps({"flags": rows}, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("No flagged cards.")
        return
    for row in rows:
        day = row["flagged_at"][:10]
        click.echo(f"{day}  {row['kind']:<7}  {row['deck']:<18}  {row['card']}")
        click.echo(f"    {' '.join(row['front'].split())[:100]}")
        if row["note"]:
            click.echo(f"    note: {row['note']}")


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
