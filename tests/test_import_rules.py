"""The house plan's rules that lint-imports (pyproject [tool.importlinter]) cannot say.

import-linter's `acyclic_siblings` finds cycles between siblings only; a package and one of
its own modules importing each other (drills/__init__ <-> drills/base, once) slips past it.
Nor can it see SQL text, which belongs in studyapp/store/ only.
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = ("studyapp", "engine")


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    # TYPE_CHECKING imports count: a cycle through them still couples the modules.
    return grimp.build_graph(*OURS, exclude_type_checking_imports=False)


def strongly_connected(graph: grimp.ImportGraph) -> list[list[str]]:
    """Tarjan's components of our modules' import graph that hold a cycle."""
    modules = sorted(m for m in graph.modules if m.split(".")[0] in OURS)
    edges = {
        m: sorted(i for i in graph.find_modules_directly_imported_by(m) if i.split(".")[0] in OURS)
        for m in modules
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(root: str) -> None:
        # Iterative, so a long chain cannot hit the recursion limit.
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in edges[node]:
                    found.append(sorted(component))

    for module in modules:
        if module not in index:
            visit(module)
    return found


def test_no_import_cycles_between_any_two_modules(graph: grimp.ImportGraph) -> None:
    cycles = strongly_connected(graph)
    assert cycles == [], "modules importing each other, directly or around a loop:\n" + "\n".join(
        " <-> ".join(component) for component in cycles
    )


def test_the_cycle_finder_finds_a_cycle() -> None:
    made = grimp.ImportGraph()
    for name in ("studyapp", "studyapp.a", "studyapp.b", "studyapp.c"):
        made.add_module(name)
    made.add_import(importer="studyapp.a", imported="studyapp.b")
    made.add_import(importer="studyapp.b", imported="studyapp.a")
    made.add_import(importer="studyapp.c", imported="studyapp.a")
    assert strongly_connected(made) == [["studyapp.a", "studyapp.b"]]


def contract(contract_id: str) -> dict[str, object]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    return next(c for c in contracts if c["id"] == contract_id)


def children_of_studyapp() -> set[str]:
    package = ROOT / "studyapp"
    return {
        f"studyapp.{path.stem if path.is_file() else path.name}"
        for path in package.iterdir()
        if (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").exists()
    }


@pytest.mark.parametrize(
    ("contract_id", "exempt"),
    [
        ("textual-in-ui", {"studyapp.ui", "studyapp.cli"}),
        ("sqlite3-in-store", {"studyapp.store", "engine"}),
    ],
)
def test_contracts_listing_every_other_package_miss_none(
    contract_id: str, exempt: set[str]
) -> None:
    """A new package must not be silently exempt from a rule written as a list."""
    sources = set(contract(contract_id)["source_modules"])  # type: ignore[call-overload]
    assert children_of_studyapp() - exempt == sources - {"engine"}


# ------------------------------------------------------------------- SQL only in the store

SQL = re.compile(
    r"^\s*(SELECT\s|INSERT\s+(OR\s+\w+\s+)?INTO\s|UPDATE\s+\w+\s+SET\s|DELETE\s+FROM\s"
    r"|WITH\s+\w+\s+AS\s*\(|CREATE\s+(UNIQUE\s+)?(TABLE|INDEX)\s|DROP\s+(TABLE|INDEX)\s"
    r"|ALTER\s+TABLE\s|PRAGMA\s|BEGIN\b)"
)
"""The start of an SQL statement, in capitals as this project writes them."""
SQL_ALLOWED = {
    "studyapp/transfer/anki.py",  # reads Anki's own collection file: another app's schema
    "studyapp/transfer/anki_read.py",  # the same, with its schedule and review log
}


def is_sqlalchemy_text(func: ast.expr) -> bool:
    """`text(...)` or `sa.text(...)`, not a method such as `item.text(...)`."""
    if isinstance(func, ast.Name):
        return func.id == "text"
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "text"
        and isinstance(func.value, ast.Name)
        and func.value.id in ("sa", "sqlalchemy")
    )


def sql_strings(path: Path) -> list[tuple[int, str]]:
    """String literals (f-string parts included) that start like an SQL statement, and
    calls of SQLAlchemy's `text(...)`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if SQL.match(node.value):
                found.append((node.lineno, node.value.strip()[:60]))
        elif isinstance(node, ast.Call) and is_sqlalchemy_text(node.func):
            found.append((node.lineno, "text(...)"))
    return found


def test_no_sql_text_outside_the_store() -> None:
    """One query language, in studyapp/store/: SQL text elsewhere restates the schema."""
    offenders = []
    for path in sorted((ROOT / "studyapp").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith("studyapp/store/") or relative in SQL_ALLOWED:
            continue
        offenders += [f"{relative}:{line}: {what}" for line, what in sql_strings(path)]
    assert offenders == [], "\n".join(offenders)


def test_the_sql_finder_finds_sql() -> None:
    assert SQL.match("SELECT deck_id, count(*) FROM cards")
    assert SQL.match("\n  UPDATE cards SET due = :due")
    assert SQL.match("INSERT OR REPLACE INTO preferences (key, value) VALUES (1, 2)")
    assert not SQL.match("Select a deck first.")
    assert not SQL.match("Update the card?")
