"""The layers stay apart: the engine loads nothing of ours, and the core loads no UI."""

import json
import subprocess
import sys

import pytest


def loaded_after_import(module: str) -> set[str]:
    code = f"import json, sys; import {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return {name.split(".")[0] for name in json.loads(out.stdout)} | set(json.loads(out.stdout))


ENGINE_MODULES = ["engine"]


@pytest.mark.parametrize("module", ENGINE_MODULES)
def test_engine_loads_nothing_of_ours_nor_heavy_frameworks(module: str) -> None:
    loaded = loaded_after_import(module)
    for forbidden in ("studyapp", "textual", "sqlalchemy", "sympy"):
        assert forbidden not in loaded, f"importing {module} loaded {forbidden}"


def test_scheduler_is_pure() -> None:
    loaded = loaded_after_import("studyapp.schedulers.sm2")
    for forbidden in ("sqlalchemy", "textual", "numpy", "sympy"):
        assert forbidden not in loaded, f"importing studyapp.schedulers.sm2 loaded {forbidden}"


@pytest.mark.parametrize(
    "module",
    [
        "studyapp.review.cards",
        "studyapp.review.drilling",
        "studyapp.review.queues",
        "studyapp.progress.stats",
        "studyapp.decks.sync",
        "studyapp.store",
        "studyapp.drills",
    ],
)
def test_core_loads_no_ui(module: str) -> None:
    loaded = loaded_after_import(module)
    assert "textual" not in loaded, f"importing {module} loaded textual"


def test_cli_module_loads_no_heavy_library() -> None:
    loaded = loaded_after_import("studyapp.cli")
    for forbidden in ("textual", "sqlalchemy", "numpy", "sympy"):
        assert forbidden not in loaded, f"importing studyapp.cli loaded {forbidden}"


START_UP = """
import json, sys
from studyapp.collection import Collection
collection = Collection.open(sys.argv[1])
collection.sync_topics()
counts = collection.home()
print(json.dumps({"modules": sorted(sys.modules), "decks": len(counts.decks)}))
"""


def test_an_ordinary_start_reads_without_sqlalchemy(tmp_path) -> None:
    """Opening a current collection, checking the decks and drill topics for changes and
    counting the home screen use sqlite3 alone (see studyapp/store/runner.py)."""
    path = str(tmp_path / "study.db")
    first = subprocess.run(
        [sys.executable, "-c", START_UP, path], check=True, capture_output=True, text=True
    )
    assert "sqlalchemy" in json.loads(first.stdout)["modules"]  # created and synced: the real work
    again = subprocess.run(
        [sys.executable, "-c", START_UP, path], check=True, capture_output=True, text=True
    )
    report = json.loads(again.stdout)
    assert report["decks"] > 10
    loaded = {name.split(".")[0] for name in report["modules"]}
    for heavy in ("sqlalchemy", "alembic", "numpy", "sympy", "textual", "tomllib"):
        assert heavy not in loaded, f"an ordinary start loaded {heavy}"
