"""The house plan's import rules that lint-imports (pyproject [tool.importlinter]) cannot say.

import-linter's `acyclic_siblings` finds cycles between siblings only; a package and one of
its own modules importing each other (drills/__init__ <-> drills/base, once) slips past it.
"""

from __future__ import annotations

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
    assert strongly_connected(graph) == []


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
