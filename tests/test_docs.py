"""The repository's own documentation: every link resolves, nothing points outside it.

Readers of a checkout (or of the package on an index) have only what is in the repository,
so the README and docs/ may not send them to files that live elsewhere.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", ROOT / "content" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
OUTSIDE = re.compile(r"\b(PRODUCT|DESIGN)\.md\b|\.\./shared")


def test_every_relative_link_resolves() -> None:
    broken = [
        f"{doc.relative_to(ROOT)} -> {target}"
        for doc in DOCS
        for target in LINK.findall(doc.read_text(encoding="utf-8"))
        if "://" not in target and not (doc.parent / target).exists()
    ]
    assert broken == []


def test_nothing_points_outside_the_repository() -> None:
    sources = [*DOCS, *ROOT.glob("studyapp/**/*.py"), *ROOT.glob("tests/**/*.py")]
    outside = [
        str(path.relative_to(ROOT))
        for path in sources
        if path != Path(__file__).resolve() and OUTSIDE.search(path.read_text(encoding="utf-8"))
    ]
    assert outside == []


def test_the_formats_page_names_every_stats_json_key() -> None:
    """Every key, nested ones too (a list's items, an object's fields)."""
    from datetime import date

    from studyapp.progress.stats import (
        Coverage,
        DayCount,
        DeckMastery,
        StatsData,
        TopicStat,
        WeekRetention,
        stats_json,
    )

    day = date(2026, 1, 1)
    data = StatsData(
        today=day,
        per_day=[DayCount(day, 1, 1, 1, 0, 60_000, 60_000)],
        retention_30d=None,
        forecast=[(day, 1)],
        maturity={"new": 1},
        topics=[TopicStat("mse", "MSE", "✓", 0, 1, 1, 2.0, 2.0, None, 1)],
        streak_days=0,
        reviews_today=0,
        due_today=0,
        new_available=0,
        retention_weeks=[WeekRetention(day, 1, 1, 0, 0)],
        decks=[DeckMastery("a", "A", 1, 0, 0, 0, 0)],
        coverage=Coverage(0, 1, 1, 1),
    )
    page = (ROOT / "docs" / "formats.md").read_text(encoding="utf-8")

    def keys(value: object) -> list[str]:
        if isinstance(value, dict):
            return [k for key, item in value.items() for k in (key, *keys(item))]
        if isinstance(value, list):
            return [k for item in value for k in keys(item)]
        return []

    missing = sorted({key for key in keys(stats_json(data)) if f"`{key}`" not in page})
    assert missing == []


def test_the_formats_page_names_every_drill_json_key() -> None:
    from studyapp.drills import make_problem

    page = (ROOT / "docs" / "formats.md").read_text(encoding="utf-8")
    keys = make_problem("softmax", seed=17, difficulty=1).to_json()
    assert [key for key in keys if f"`{key}`" not in page] == []


def _answer_paragraph() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("Answers can be numbers")
    return " ".join(readme[start : readme.index("\n\n", start)].split())


def test_the_readme_answer_paragraph_gives_every_form_of_the_drill_help() -> None:
    """One source of truth: the drill help (F1) shows ANSWER_SYNTAX and NOT_GRADED; the
    README's answer paragraph must give the same examples and name the same slips."""
    from studyapp.answers.syntax import ANSWER_SYNTAX, NOT_GRADED

    paragraph = _answer_paragraph()
    missing = [e for row in ANSWER_SYNTAX for e in row.examples if f"`{e}`" not in paragraph]
    missing += [slip for slip in NOT_GRADED if slip not in paragraph]
    assert missing == []


def test_every_answer_function_has_an_example_that_reads() -> None:
    from studyapp.answers import parse_answer
    from studyapp.answers.parsing import FUNCTIONS
    from studyapp.answers.syntax import ANSWER_SYNTAX

    examples = [e for row in ANSWER_SYNTAX for e in row.examples]
    for example in examples:
        parse_answer(example)  # raises if the help shows something the reader refuses
    assert [f for f in FUNCTIONS if not any(e.lower().startswith(f + "(") for e in examples)] == []
