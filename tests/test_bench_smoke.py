"""The benchmark still runs: a small collection, one run, every figure present and finite.

Timings are not checked against the budgets here (they depend on the machine and its
load); that is the job of `python tests/bench/run.py` at full size.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

from tests.bench.run import BUDGETS

ROOT = Path(__file__).resolve().parents[1]
# Rows the smoke run must produce. App start needs Textual, which the test environment has.
EXPECTED = {key for key, *_ in BUDGETS}


def test_smoke_run_reports_every_figure() -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tests" / "bench" / "run.py"),
            "--cards",
            "2000",
            "--reviews",
            "20000",
            "--runs",
            "1",
            "--json",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,  # the frame rows drive the app: minutes on a busy machine
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    assert (report["cards"], report["reviews"]) == (2000, 20000)
    figures = report["figures"]
    assert set(figures) == EXPECTED
    for key, row in figures.items():
        value = row["value"]
        assert isinstance(value, (int, float)) and math.isfinite(value), key
        # A time beyond the bare app's may be below zero: ours was painted sooner.
        assert value > 0 or key.endswith("_extra"), key
        budget = row["budget"]
        assert budget is None or row["ok"] == (value <= budget), key
    assert "anki" not in report  # the smoke run never needs the optional package
    assert math.isfinite(report["extra"]["check_answer_worst_ms"])
