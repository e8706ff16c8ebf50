"""The UI goes through one door: `studyapp.collection` (and `studyapp.config`) of ours.

Read from the source (every import, those under TYPE_CHECKING and inside functions too),
so a screen that reached past the collection, or into another screen or the app, fails
here with its line before import-linter's contracts run in CI.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

UI = Path(__file__).parents[2] / "studyapp" / "ui"
SCREENS = {"browse", "drill", "help", "home", "review", "stats", "topics"}
SHARED = {
    "studyapp.ui.widgets",
    "studyapp.ui.messages",
    "studyapp.ui.steps_view",
    "studyapp.ui.calibration",
    "studyapp.ui.footer",
    "studyapp.ui.card_forms",
    "studyapp.ui.browse_terms",  # browse's completion (issue 15)
    "studyapp.ui.card_history",  # a card's review history (issue 15)
}
OURS_ALLOWED = {"studyapp.collection", "studyapp.config"}


def imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


@pytest.mark.parametrize("path", sorted(UI.glob("*.py")), ids=lambda p: p.stem)
def test_the_ui_imports_only_the_collection_and_config_of_ours(path: Path) -> None:
    wrong = [
        f"{path.name}:{line} imports {name}"
        for line, name in imports(path)
        if name.split(".")[0] in ("sqlite3", "sqlalchemy")
        or (
            name.startswith("studyapp")
            and name not in OURS_ALLOWED
            and not name.startswith("studyapp.ui")
        )
    ]
    assert not wrong


@pytest.mark.parametrize("screen", sorted(SCREENS))
def test_a_screen_imports_no_other_screen_nor_the_app(screen: str) -> None:
    wrong = [
        f"{screen}.py:{line} imports {name}"
        for line, name in imports(UI / f"{screen}.py")
        if name.startswith("studyapp.ui") and name not in SHARED
    ]
    assert not wrong


def test_the_shared_ui_modules_import_no_screen_nor_the_app() -> None:
    for name in SHARED:
        path = UI / f"{name.rsplit('.', 1)[1]}.py"
        wrong = [n for _, n in imports(path) if n.startswith("studyapp.ui") and n not in SHARED]
        assert not wrong, path.name


def test_the_cli_reaches_the_database_only_through_the_collection() -> None:
    """Commands may parse and write files with transfer/ and decks/ helpers; every read or
    write of the database is a `Collection` method, never `collection.db`."""
    source = (UI.parent / "cli.py").read_text(encoding="utf-8")
    assert "collection.db" not in source and ".session(" not in source


def test_every_name_the_ui_takes_from_the_collection_is_there() -> None:
    """The collection loads some of its re-exports on first use (`__getattr__`): each
    name a UI module imports from it must resolve, and a misspelt one must not."""
    import studyapp.collection as collection

    wanted = set()
    for path in UI.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "studyapp.collection":
                wanted.update(alias.name for alias in node.names)
    assert {"Collection", "StoreError", "QUALITY_LABELS", "NothingToUndo"} <= wanted
    for name in sorted(wanted):
        assert getattr(collection, name) is not None, name
    with pytest.raises(AttributeError):
        collection.NoSuchName  # type: ignore[attr-defined]  # noqa: B018
