"""The first drill does not wait for imports: the home screen's warm-up loads them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

WARM_UP = """
import json, sys
from studyapp.collection import Collection
collection = Collection.open(sys.argv[1])
before = set(sys.modules)
collection.warm_up()
import importlib; reg = importlib.import_module("studyapp.drills.registry")
print(json.dumps({"new": sorted(set(sys.modules) - before), "families": reg._loaded}))
"""


def test_the_warm_up_loads_the_drills_and_the_answer_reader(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", WARM_UP, str(tmp_path / "w.db")],
        check=True,
        capture_output=True,
        text=True,
    )
    report = json.loads(out.stdout.strip().splitlines()[-1])
    loaded = set(report["new"])
    assert report["families"]  # every drill family imported, NumPy with them
    assert {"numpy", "studyapp.drills.backprop", "studyapp.drills.optimizers"} <= loaded
    assert "sympy" in loaded  # the answer reader, before the first typed expression
