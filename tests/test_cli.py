"""The command line as a script would use it: real database files, real output."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from studyapp.cli import main

DECK = """\
[deck]
id = "tiny"
name = "Tiny deck"
description = "Two cards for the CLI tests."

[[cards]]
id = "tiny-relu"
front = "What does ReLU return for a negative input?"
back = "Zero."
tags = ["activation"]
source = "001_9b016ee9fe251ca9.txt"

[[cards]]
id = "tiny-sigmoid"
front = "What range does the sigmoid output lie in?"
back = "Between 0 and 1."
tags = ["activation", "sigmoid"]
source = "004_79820f2c78e41ff3.txt"
"""


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    content = tmp_path / "content"
    content.mkdir()
    (content / "tiny.toml").write_text(DECK)
    monkeypatch.setenv("STUDYAPP_CONTENT", str(content))
    monkeypatch.setenv("STUDYAPP_DB", str(tmp_path / "cli.db"))
    return {"db": str(tmp_path / "cli.db")}


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_help_lists_every_command() -> None:
    code, out = run("--help")
    assert code == 0
    for command in ("stats", "problems", "topics", "decks", "import", "export"):
        assert command in out
    for command in ("stats", "problems", "topics", "decks", "import", "export"):
        assert run(command, "--help")[0] == 0


def test_help_is_fast_and_loads_nothing_heavy() -> None:
    code = (
        "import sys; from studyapp.cli import main\n"
        "try:\n main(['--help'])\nexcept SystemExit: pass\n"
        "print([m for m in ('textual','sqlalchemy','numpy','sympy') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("[]")


def test_decks_and_stats_on_a_fresh_database(env) -> None:
    code, out = run("decks")
    assert code == 0 and "Tiny deck" in out and "2" in out
    code, out = run("stats", "--json")
    data = json.loads(out)
    assert code == 0 and data["new_available"] == 2 and data["retention_30d"] is None
    assert len(data["forecast"]) == 30


def test_stats_text_reads_like_the_screen(env) -> None:
    """Coverage, true retention, decks by name and topics by title, cards and drills apart."""
    from studyapp.drills import registry

    code, out = run("stats")
    assert code == 0, out
    topics = len(registry())
    assert f"syllabus        met 0 of 2 cards, 0 of {topics} topics" in out
    assert "cards today     0   drills today 0" in out
    assert "true retention  no learned card graded in 30 days" in out
    assert "Cards by deck" in out and "Tiny deck" in out
    assert "Drill topics, weakest first" in out
    assert registry()["softmax"].title in out and "never tried" in out
    data = json.loads(run("stats", "--json")[1])
    assert data["coverage"] == {
        "cards_met": 0,
        "cards_total": 2,
        "topics_met": 0,
        "topics_total": topics,
    }


def test_problems_are_reproducible_json_and_markdown(env) -> None:
    args = ("problems", "--topic", "softmax", "--count", "2", "--seed", "17", "--format", "json")
    first, second = run(*args), run(*args)
    assert first == second and first[0] == 0
    problems = json.loads(first[1])
    assert [p["seed"] for p in problems] == [17, 18]
    assert set(problems[0]) == {
        "topic",
        "title",
        "seed",
        "difficulty",
        "prompt",
        "inputs",
        "answer",
        "tolerance",
        "steps",
        "checkpoints",
    }
    code, out = run("problems", "--topic", "softmax", "--count", "1", "--seed", "1")
    assert code == 0 and "# Answer key" in out


def test_unknown_topic_is_a_clear_error_listing_valid_ones(env) -> None:
    code, out = run("problems", "--topic", "sofmax")
    assert code == 2 and "sofmax" in out and "softmax" in out


def test_import_csv_then_export_json(env, tmp_path: Path) -> None:
    table = tmp_path / "extra.csv"
    table.write_text("front,back,tags\nWhat is 2+2?,4,math easy\nCapital of France?,Paris,\n")
    code, out = run("import", str(table))
    assert code == 0, out
    code, out = run("export", "--format", "json")
    data = json.loads(out)
    fronts = {c["front"]: c for c in data["cards"]}
    assert "What is 2+2?" in fronts and fronts["What is 2+2?"]["tags"] == ["math", "easy"]
    assert set(fronts["What is 2+2?"]["schedule"]) >= {
        "easiness",
        "repetitions",
        "interval",
        "due",
        "lapses",
    }
    assert {"cards", "topics", "reviews"} <= set(data)
    again = run("import", str(table))
    assert again[0] == 0 and "0 new" in again[1]


def test_a_bad_import_names_the_line_and_changes_nothing(env, tmp_path: Path) -> None:
    run("decks")
    before = hashlib.sha256(Path(env["db"]).read_bytes()).hexdigest()
    table = tmp_path / "bad.csv"
    table.write_text("front,back\nok,fine\nno back here\n")
    code, out = run("import", str(table))
    assert code == 1 and "bad.csv" in out and ":3" in out
    assert hashlib.sha256(Path(env["db"]).read_bytes()).hexdigest() == before


def test_export_csv_writes_cards_and_history(env, tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    code, out = run("export", "--format", "csv", "-o", str(target))
    assert code == 0, out
    assert target.read_text().splitlines()[0].startswith("id,deck,front,back,tags,easiness")
    assert (tmp_path / "out.reviews.csv").read_text().startswith("id,kind,item_id")


class _FullDisk:
    """A file whose writes fail as on a full disk; everything else is the real file's."""

    def __init__(self, handle) -> None:
        self.handle = handle

    def write(self, data):
        import errno

        raise OSError(errno.ENOSPC, "No space left on device")

    def __getattr__(self, name):
        return getattr(self.handle, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.handle.close()


def _fill_the_disk(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Files opened for writing in `folder` are created, then refuse every write (ENOSPC)."""
    import builtins
    import io

    real_open = io.open

    def fake_open(file, mode="r", *args, **kwargs):
        handle = real_open(file, mode, *args, **kwargs)
        if isinstance(file, (str, Path)) and Path(file).parent == folder and "r" not in mode:
            return _FullDisk(handle)
        return handle

    monkeypatch.setattr(builtins, "open", fake_open)
    monkeypatch.setattr(io, "open", fake_open)


@pytest.mark.parametrize("fmt", ["json", "csv", "apkg"])
@pytest.mark.parametrize(
    ("where", "reason"),
    [
        ("missing", "does not exist"),
        ("under-a-file", "is not a folder"),
        ("full-disk", "disk is full"),
    ],
)
def test_an_export_that_cannot_be_written_is_one_line_and_leaves_nothing(
    env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, where: str, reason: str
) -> None:
    assert run("decks")[0] == 0
    folder = tmp_path / "exports"
    if where == "under-a-file":
        folder.write_text("a file, not a folder")
    else:
        folder.mkdir()
    target = folder / "missing" / f"out.{fmt}" if where == "missing" else folder / f"out.{fmt}"
    if where == "full-disk":
        _fill_the_disk(folder, monkeypatch)
    result = CliRunner().invoke(main, ["export", "--format", fmt, "-o", str(target)])
    monkeypatch.undo()
    out = result.output
    assert result.exit_code == 1 and out.count("\n") == 1, out
    assert reason in out and str(target) in out and "Traceback" not in out, out
    if where == "under-a-file":
        assert folder.read_text() == "a file, not a folder"
    else:
        assert list(folder.iterdir()) == []  # no half-written file, no temporary one


def test_an_export_replaces_an_old_file_whole(env, tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("old")
    target.chmod(0o640)
    code, out = run("export", "--format", "json", "-o", str(target))
    assert code == 0, out
    assert json.loads(target.read_text())["format"] == "studyapp"
    assert target.stat().st_mode & 0o777 == 0o640  # the file keeps its permissions
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize(
    "content",
    [b"this is just some text, not a database at all", b"SQLite format 3\x00" + b"\x00" * 500],
)
def test_a_file_that_is_not_ours_is_refused_and_left_untouched(tmp_path, content) -> None:
    path = tmp_path / "other.db"
    path.write_bytes(content)
    code, out = run("--db", str(path), "decks")
    assert code == 1 and str(path) in out and "Traceback" not in out
    assert path.read_bytes() == content


def test_someone_elses_sqlite_database_is_refused(tmp_path) -> None:
    path = tmp_path / "notes.db"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    connection.commit()
    connection.close()
    before = path.read_bytes()
    code, out = run("--db", str(path), "stats")
    assert code == 1 and "not a studyapp database" in out
    assert path.read_bytes() == before


def write_preference(db: str, key: str, value: str) -> None:
    """What an older version, or a hand in the sqlite3 shell, may have left in the table."""
    with sqlite3.connect(db) as connection:
        connection.execute(
            "INSERT OR REPLACE INTO preferences (key, value) VALUES (?, ?)", (key, value)
        )
    connection.close()


@pytest.mark.parametrize(("key", "value"), [("rollover_hour", "99"), ("new_per_day", "abc")])
def test_a_bad_stored_preference_is_said_and_can_be_repaired(env, key, value) -> None:
    assert run("decks")[0] == 0
    write_preference(env["db"], key, value)
    default = {"rollover_hour": 4, "new_per_day": 20}[key]
    for command in (["stats"], ["decks"], ["topics"], ["config"]):
        code, out = run(*command)
        assert code == 0, out
        warnings = [line for line in out.splitlines() if line.startswith("warning:")]
        assert len(warnings) == 1 and key in warnings[0] and value in warnings[0], out
        assert f"using {default} until `studyapp config {key} VALUE`" in warnings[0]
    code, out = run("config")
    assert any(line.split()[:2] == [key, str(default)] for line in out.splitlines()), out
    code, out = run("stats", "--json")
    assert code == 0 and json.loads(out.split("\n", 1)[1])["new_available"] == 2
    code, out = run("config", key, "4")
    assert code == 0 and out.endswith(f"\n{key} = 4\n")
    code, out = run("config")
    assert "warning" not in out and any(
        line.split()[:2] == [key, "4"] for line in out.splitlines()
    ), out


def test_a_bad_stored_preference_is_replaced_by_a_restore(env, tmp_path: Path) -> None:
    saved = tmp_path / "all.json"
    assert run("export", "--format", "json", "-o", str(saved))[0] == 0
    write_preference(env["db"], "rollover_hour", "99")
    write_preference(env["db"], "reviews_per_day", "12")
    broken = tmp_path / "broken.json"
    code, out = run("export", "--format", "json", "-o", str(broken))
    assert code == 0 and out.startswith("warning: ")
    # The export leaves the unusable value out, so it restores; the good one stays.
    stored = json.loads(broken.read_text())["preferences"]
    assert {k: v for k, v in stored.items() if not k.startswith("_")} == {"reviews_per_day": "12"}
    code, out = run("import", "--replace", str(broken))
    assert code == 0 and "restored" in out, out
    code, out = run("import", "--replace", str(saved))
    assert code == 0 and "restored" in out, out
    code, out = run("config")
    assert code == 0 and "warning" not in out
    with sqlite3.connect(env["db"]) as connection:
        assert connection.execute(
            "SELECT count(*) FROM preferences WHERE key NOT LIKE '\\_%' ESCAPE '\\'"
        ).fetchone() == (0,)
    connection.close()


@pytest.mark.parametrize(("ending", "status"), [("crash", 1), ("quit", 0)])
def test_the_app_s_exit_status_says_whether_it_crashed(
    env, monkeypatch: pytest.MonkeyPatch, ending: str, status: int
) -> None:
    """Bare `studyapp` runs the app; an error that ends it must not look like a quit to
    the shell (Textual's run() returns normally and keeps the status in return_code)."""
    from textual.app import App

    from studyapp.ui.app import StudyApp

    def mounted(app: StudyApp) -> None:
        if ending == "crash":
            raise RuntimeError("an error inside the app")
        app.exit()

    run_textual = App.run
    monkeypatch.setattr(StudyApp, "on_mount", mounted)
    monkeypatch.setattr(StudyApp, "run", lambda app: run_textual(app, headless=True))
    code, _ = run()
    assert code == status


def test_grade_keys_is_a_preference(env) -> None:
    code, out = run("config")
    assert code == 0 and any(line.split()[:2] == ["grade_keys", "sm2"] for line in out.splitlines())
    code, out = run("config", "grade_keys", "anki")
    assert code == 0 and out.endswith("grade_keys = anki\n"), out
    code, out = run("config")
    assert any(line.split()[:2] == ["grade_keys", "anki"] for line in out.splitlines()), out
    code, out = run("config", "grade_keys", "vim")
    assert code != 0 and "sm2" in out and "anki" in out, out
    code, out = run("config", "grade_keys", "sm2")
    assert code == 0 and out.endswith("grade_keys = sm2\n"), out


def test_topics_shows_and_sets_levels(env) -> None:
    code, out = run("topics", "--level", "softmax", "3")
    assert code == 0 and "softmax: level 3 (was 1)" in out, out
    code, out = run("topics")
    line = next(line for line in out.splitlines() if line.startswith("softmax "))
    assert "level 3" in line, out
    code, out = run("topics", "--level", "no_such_topic", "2")
    assert code != 0 and "no_such_topic" in out, out


def test_import_of_an_anki_text_export_reports_skipped_rows_and_goes_on(env, tmp_path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text(
        "#separator:tab\n#html:true\n#guid column:1\n#deck column:2\n"
        "g1\tLang::French\tchat\tcat\n"
        "g2\tLang::French\t<br>\tno front\n"
        "g3\tLang::German\tHund\tdog\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["import", str(notes)])
    assert result.exit_code == 0, result.output
    assert "2 decks" in result.stdout and "2 new card(s)" in result.stdout
    assert "notes.txt:6: skipped: empty front" in result.stderr
    code, out = run("export", "--format", "json")
    assert code == 0
    names = {d["name"] for d in json.loads(out)["decks"]}
    assert {"Lang::French", "Lang::German"} <= names


def _chain_values(seed: int, a1_shift: float) -> dict[str, float]:
    """chain_rule's steps with a1 off by a1_shift and every later step computed from it."""
    from studyapp.drills import make_problem

    points = make_problem("chain_rule", seed, 1).checkpoints
    values: dict[str, float] = {}
    for point in points:
        values[point.name] = point.recompute(values) + (a1_shift if point.name == "a1" else 0)
    return values


def test_check_grades_a_worksheet_step_by_step() -> None:
    values = _chain_values(7, 0.2)
    typed = "; ".join(f"{name}={value:.6g}" for name, value in values.items())
    code, out = run("check", "--topic", "chain_rule", "--seed", "7", "--answers", typed, "--json")
    assert code == 1
    found = json.loads(out)
    assert [c["status"] for c in found["checkpoints"]] == [
        "right",
        "wrong",
        "carried",
        "carried",
        "carried",
    ]
    assert found["first_wrong"] == "a1" and found["grade"] == 2
    assert found["checkpoints"][1]["feedback"]
    code, out = run("check", "-t", "chain_rule", "-s", "7", "-a", typed)
    assert code == 1 and "carried" in out and "a1" in out.splitlines()[-1]


def test_check_exit_codes_and_unreadable_steps() -> None:
    right = _chain_values(7, 0.0)
    code, out = run("check", "-t", "chain_rule", "-s", "7", "-a", f"answer={right['answer']}")
    assert code == 0 and "missing" in out
    code, out = run("check", "-t", "chain_rule", "-s", "7", "-a", "z1=1,5; answer=0.1", "--json")
    found = json.loads(out)
    assert code == 1 and found["checkpoints"][0]["status"] == "unread"
    assert found["grade"] is None
    code, _ = run("check", "-t", "chain_rule", "-s", "7", "-a", "z1=sigmoid(")
    assert code == 3
    code, out = run("check", "-t", "chain_rule", "-s", "7", "-a", "h=1")
    assert code == 2 and "z1, a1, z2, y_hat, answer" in out
    code, out = run("check", "-t", "softmax", "-s", "1", "-a", "[0.1, 0.2]; [0.3]", "--json")
    assert json.loads(out)["checkpoints"][-1]["typed"] == "[0.1, 0.2]; [0.3]"


WIDE_DECK = (
    DECK.replace('id = "tiny"', 'id = "wide"')
    .replace('name = "Tiny deck"', 'name = "日本語の単語 🧠"')
    .replace('id = "tiny-', 'id = "wide-')
)


def _starts(line: str, cell: str) -> int:
    """The screen column where `cell` starts in `line` (a CJK character or emoji is two)."""
    from rich.cells import cell_len

    return cell_len(line[: line.index(cell)])


def _ends(line: str, cell: str) -> int:
    """The screen column where the last `cell` in `line` ends."""
    from rich.cells import cell_len

    return cell_len(line[: line.rindex(cell) + len(cell)])


def test_tables_stay_aligned_with_cjk_and_emoji_names(env, tmp_path) -> None:
    """Issue 16: the hand padding counted characters, so a CJK or emoji deck name pushed
    its row's numbers out of their columns. Every column sits at the same screen column
    on every row, and piped output is plain text (no colour codes, no trailing spaces)."""
    (Path(env["db"]).parent / "content" / "wide.toml").write_text(WIDE_DECK)
    code, out = run("decks")
    assert code == 0, out
    lines = out.splitlines()
    header = next(line for line in lines if line.startswith("deck"))
    wide = next(line for line in lines if "日本語" in line)
    tiny = next(line for line in lines if line.startswith("Tiny deck"))
    for line, deck_id in ((wide, "wide"), (tiny, "tiny")):
        assert _starts(line, f" {deck_id}") == _starts(header, " id")
        assert _ends(line, " 2") == _ends(header, "total")  # the counts, right-aligned
    code, out = run("stats")
    lines = out.splitlines()
    header = next(line for line in lines if line.strip().startswith("deck"))
    wide = next(line for line in lines if "日本語" in line)
    tiny = next(line for line in lines if "Tiny deck" in line)
    assert _ends(wide, " 2") == _ends(tiny, " 2") == _ends(header, "new")
    assert "\x1b[" not in out and all(line == line.rstrip() for line in lines)


def test_stats_says_why_fsrs_was_not_fitted(env) -> None:
    from studyapp.review.fitting import NOT_FITTED_KEY, NOTHING_TO_LEARN

    assert run("decks")[0] == 0
    write_preference(env["db"], NOT_FITTED_KEY, f"2026-03-01 512 {NOTHING_TO_LEARN}")
    code, out = run("stats")
    assert code == 0, out
    assert f"FSRS not fitted on 2026-03-01 (512 reviews): {NOTHING_TO_LEARN}" in out
    write_preference(env["db"], NOT_FITTED_KEY, "")
    assert "not fitted" not in run("stats")[1]
