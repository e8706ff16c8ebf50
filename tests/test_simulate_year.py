"""The simulated year (scripts/simulate_year.py, issue 17) on a small deck: both schedulers
run the app's own scheduling functions, and the figures are plausible and repeatable."""

from __future__ import annotations

import importlib.util
import sys

from studyapp.config import REPO_ROOT


def load_script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "simulate_year", REPO_ROOT / "scripts" / "simulate_year.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_a_short_simulation_reports_both_schedulers() -> None:
    script = load_script()
    years = [
        script.simulate(name, cards=60, new_per_day=10, days=90, seed=4) for name in ("sm2", "fsrs")
    ]
    assert [y.scheduler for y in years] == ["sm2", "fsrs"]
    for year in years:
        assert year.cards_met == 60
        assert 60 / 90 < year.reviews_per_day < 60  # every card at least once, not every day
        assert 0.5 < year.true_retention < 1 and 0.5 < year.known < 1
    assert years == [script.simulate(y.scheduler, 60, 10, 90, 4) for y in years]  # repeatable
    lower = script.simulate("fsrs", cards=60, new_per_day=10, days=90, seed=4, retention=0.8)
    assert lower.reviews_per_day < years[1].reviews_per_day  # a lower target asks less
    lines = script.report(years)
    assert lines[0].split() == ["scheduler", "reviews/day", "true", "retention", "known"]
    assert lines[1].startswith("sm2") and lines[2].startswith("fsrs")
