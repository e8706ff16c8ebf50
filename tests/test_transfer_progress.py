"""Every import and export that can run long reports its progress (issue 14: "a progress bar
on any import or export that takes more than a second"): the workers tell a callback
(done, total); the CLI shows it as a bar on stderr once the work is slow, stdout unchanged."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from studyapp import cli
from studyapp.decks.format import parse_deck
from studyapp.store import Database, open_database
from studyapp.transfer.backup import export_json
from studyapp.transfer.export import write_cards_csv, write_reviews_csv
from studyapp.transfer.restore import check_document, import_decks, restore_json
from tests.helpers import add_cards

CSV_ROWS = "front,back,tags\nwhat is a tensor,an array with axes,basics\n" + "".join(
    f"question {i},answer {i},\n" for i in range(4)
)


def _calls() -> tuple[list[tuple[int, int]], object]:
    seen: list[tuple[int, int]] = []
    return seen, lambda done, total: seen.append((done, total))


def _rising_to(seen: list[tuple[int, int]], total: int) -> None:
    assert seen and seen[-1] == (total, total)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_the_json_export_counts_every_row_it_writes(db: Database) -> None:
    add_cards(db, 7, deck="basics")
    seen, progress = _calls()
    document = export_json(db, progress=progress)  # type: ignore[arg-type]
    rows = sum(len(document[k]) for k in ("decks", "cards", "topics", "reviews", "drill_attempts"))
    assert rows == 8
    _rising_to(seen, rows)


def test_the_restore_counts_every_row_it_loads(db: Database, tmp_path: Path) -> None:
    add_cards(db, 5, deck="basics")
    restored = check_document(export_json(db))
    other = open_database(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        seen, progress = _calls()
        restore_json(other, restored, progress=progress)  # type: ignore[arg-type]
    finally:
        other.close()
    _rising_to(seen, 6)


def test_the_csv_exports_count_their_lines(db: Database) -> None:
    add_cards(db, 4, deck="basics")
    seen, progress = _calls()
    assert write_cards_csv(db, io.StringIO(), progress=progress) == 4  # type: ignore[arg-type]
    _rising_to(seen, 4)
    seen, progress = _calls()
    assert write_reviews_csv(db, io.StringIO(), progress=progress) == 0  # type: ignore[arg-type]
    _rising_to(seen, 0)


def test_a_deck_import_counts_its_cards(db: Database, tmp_path: Path) -> None:
    deck = tmp_path / "mine.toml"
    deck.write_text(
        '[deck]\nid = "mine"\nname = "Mine"\n'
        + "".join(
            f'[[cards]]\nid = "m{i}"\nfront = "front {i}"\nback = "back {i}"\n' for i in range(3)
        )
    )
    seen, progress = _calls()
    report = import_decks(db, [parse_deck(deck)], progress=progress)  # type: ignore[arg-type]
    assert report.added == 3
    _rising_to(seen, 3)


# --- the CLI: a bar on stderr with the final count, stdout as it was -------------------------


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    content = tmp_path / "content"
    content.mkdir()
    monkeypatch.setenv("STUDYAPP_CONTENT", str(content))
    return tmp_path


def _run(db: Path, *args: str) -> Result:
    result = CliRunner().invoke(cli.main, ["--db", str(db), *args])
    assert result.exit_code == 0, result.output
    return result


def _final_count(stderr: str, label: str) -> str:
    found = re.findall(rf"{re.escape(label)}.*?(\d+/\d+)", stderr)
    assert found, stderr
    return str(found[-1])


def _fast_then_slow(
    monkeypatch: pytest.MonkeyPatch, fast_db: Path, slow_db: Path, *args: str
) -> tuple[Result, Result]:
    monkeypatch.setattr(cli, "PROGRESS_AFTER_SECONDS", 3600.0)  # all work counts as quick
    fast = _run(fast_db, *args)
    assert not re.search(r"\d+/\d+", fast.stderr)  # quick work: no bar at all
    monkeypatch.setattr(cli, "PROGRESS_AFTER_SECONDS", 0.0)  # all work counts as slow
    slow = _run(slow_db, *args)
    monkeypatch.setattr(cli, "PROGRESS_AFTER_SECONDS", 1.0)
    return fast, slow


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("words.csv", CSV_ROWS),
        ("words.tsv", CSV_ROWS.replace(",", "\t")),
        (
            "words.txt",
            "#separator:tab\n#html:false\n" + CSV_ROWS.split("\n", 1)[1].replace(",", "\t"),
        ),
        (
            "words.toml",
            '[deck]\nid = "words"\nname = "Words"\n'
            + "".join(f'[[cards]]\nid = "w{i}"\nfront = "f{i}"\nback = "b{i}"\n' for i in range(5)),
        ),
    ],
)
def test_deck_imports_show_a_bar_once_slow(
    env: Path, monkeypatch: pytest.MonkeyPatch, name: str, text: str
) -> None:
    path = env / name
    path.write_text(text)
    fast, slow = _fast_then_slow(monkeypatch, env / "a.db", env / "b.db", "import", str(path))
    assert slow.stdout == fast.stdout and "5 new card(s)" in slow.stdout
    assert _final_count(slow.stderr, f"importing {name}") == "5/5"


def test_the_json_export_and_its_restore_show_a_bar_once_slow(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deck = env / "words.csv"
    deck.write_text(CSV_ROWS)
    _run(env / "a.db", "import", str(deck))
    out = env / "all.json"
    fast, slow = _fast_then_slow(
        monkeypatch, env / "a.db", env / "a.db", "export", "--format", "json", "-o", str(out)
    )
    assert slow.stdout == fast.stdout
    document = json.loads(out.read_text())
    rows = sum(len(document[k]) for k in ("decks", "cards", "topics", "reviews", "drill_attempts"))
    assert _final_count(slow.stderr, "Writing all.json") == f"{rows}/{rows}"
    fast, slow = _fast_then_slow(monkeypatch, env / "b.db", env / "c.db", "import", str(out))
    assert slow.stdout == fast.stdout and "restored 5 card(s)" in slow.stdout
    assert _final_count(slow.stderr, "restoring all.json") == f"{rows}/{rows}"


def test_the_csv_export_shows_a_bar_per_file_once_slow(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deck = env / "words.csv"
    deck.write_text(CSV_ROWS)
    _run(env / "a.db", "import", str(deck))
    out = env / "cards.csv"
    fast, slow = _fast_then_slow(
        monkeypatch, env / "a.db", env / "a.db", "export", "--format", "csv", "-o", str(out)
    )
    assert slow.stdout == fast.stdout and "wrote 5 cards" in slow.stdout
    assert _final_count(slow.stderr, "Writing cards.csv") == "5/5"
    assert _final_count(slow.stderr, "Writing cards.reviews.csv") == "0/0"


# --- issue 16: every kind of import and export, silent steps included ------------------------


def test_the_apkg_export_counts_the_cards_then_the_review_log(db: Database, tmp_path) -> None:
    from studyapp.config import Settings
    from studyapp.review.cards import ReviewSession
    from studyapp.transfer.export import write_apkg

    add_cards(db, 4, deck="basics")
    session = ReviewSession(db, Settings())
    for grade in (4, 5, 3):
        session.grade(grade)
    seen, progress = _calls()
    assert write_apkg(db, tmp_path / "p.apkg", progress=progress) == 4  # type: ignore[arg-type]
    _rising_to(seen, 4 + 3)


def test_a_step_that_tells_nothing_still_shows_the_bar_once_slow() -> None:
    """Reading a file before its rows are counted: the bar shows at its delay all the same
    (a timer), pulsing until the first count; with no delay, at once."""
    with cli.LateProgress("reading", delay=0) as at_once:
        assert at_once.bar is not None and at_once.bar.tasks[0].total is None
    with cli.LateProgress("reading", delay=3600) as later:
        assert later.bar is None and later.timer is not None
        assert later.timer.interval == 3600
        later.timer.function()  # what the timer does when its hour is up
        assert later.bar is not None
        later.update(2, 5)
        assert later.bar.tasks[0].completed == 2 and later.bar.tasks[0].total == 5
    with cli.LateProgress("quick", delay=3600) as quick:
        timer = quick.timer
    assert timer is not None and timer.finished.is_set()  # cancelled when the work ended
    timer.function()  # a timer that fires after the work ended shows nothing
    assert quick.bar is None


def test_an_anki_package_import_shows_a_bar_once_slow(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deck = env / "words.csv"
    deck.write_text(CSV_ROWS)
    _run(env / "a.db", "import", str(deck))
    package = env / "words.apkg"
    _run(env / "a.db", "export", "--format", "apkg", "-o", str(package))
    fast, slow = _fast_then_slow(monkeypatch, env / "b.db", env / "c.db", "import", str(package))
    assert slow.stdout == fast.stdout and "5 new card(s)" in slow.stdout
    assert _final_count(slow.stderr, "importing words.apkg") == "5/5"


def test_the_apkg_export_shows_a_bar_once_slow(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    deck = env / "words.csv"
    deck.write_text(CSV_ROWS)
    _run(env / "a.db", "import", str(deck))
    out = env / "words.apkg"
    fast, slow = _fast_then_slow(
        monkeypatch, env / "a.db", env / "a.db", "export", "--format", "apkg", "-o", str(out)
    )
    assert slow.stdout == fast.stdout and "wrote 5 cards" in slow.stdout
    assert _final_count(slow.stderr, "Writing words.apkg") == "5/5"


def test_the_cards_csv_on_stdout_shows_its_bar_on_stderr_once_slow(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deck = env / "words.csv"
    deck.write_text(CSV_ROWS)
    _run(env / "a.db", "import", str(deck))
    fast, slow = _fast_then_slow(
        monkeypatch, env / "a.db", env / "a.db", "export", "--format", "csv"
    )
    assert slow.stdout == fast.stdout and slow.stdout.startswith("id,deck,front")
    assert "\x1b[" not in slow.stdout  # the CSV stays plain text
    assert _final_count(slow.stderr, "Writing cards to stdout") == "5/5"
