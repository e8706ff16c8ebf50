"""What a drill answer may be, with an example of each form: written once.

The drill screen's help (F1) shows these rows, and tests/test_docs.py checks that the
README's answer paragraph gives every example, so the two cannot drift apart.
"""

from __future__ import annotations

from typing import NamedTuple


class SyntaxRow(NamedTuple):
    """One form of answer: its name, examples to type as shown, and a short note."""

    form: str
    examples: tuple[str, ...]
    note: str = ""


ANSWER_SYNTAX: tuple[SyntaxRow, ...] = (
    SyntaxRow("number", ("0.5498", "-3", "2.5e-3"), "a point for decimals; e for ×10^"),
    SyntaxRow("fraction", ("3/4",)),
    SyntaxRow("expression", ("1/(1+e^-2)", "2pi", "e^2"), "^ or ** is a power; e and pi"),
    SyntaxRow("vector", ("0.09, 0.24, 0.67", "[0.09, 0.24, 0.67]"), "entries split by commas"),
    SyntaxRow("matrix", ("1, 2; 3, 4", "[[1, 2], [3, 4]]"), "rows split by ;"),
    SyntaxRow("exp", ("exp(-0.5)",)),
    SyntaxRow("ln, log", ("ln(3)", "log(3)"), "log is the natural log too"),
    SyntaxRow("log10", ("log10(1000)",)),
    SyntaxRow("sqrt, √", ("sqrt(2)/3", "√2", "√(2)")),
    SyntaxRow("tanh", ("tanh(0.5)",)),
    SyntaxRow("sigmoid, σ", ("sigmoid(0.5)", "σ(0.5)")),
    SyntaxRow("erf", ("erf(0.5)",)),
    SyntaxRow("Phi, Φ", ("Phi(0.5)", "Φ(0.5)"), "the standard normal CDF"),
    SyntaxRow("cos, sin", ("cos(pi/3)", "sin(pi/6)")),
    SyntaxRow("abs", ("abs(-2)",)),
    SyntaxRow("max, min", ("max(0, 1-0.25)", "min(1, 2, 3)"), "two or more arguments"),
    SyntaxRow("½, ×", ("½", "3×0.2"), "½ is 0.5 and × is *"),
)
"""Every form the reader accepts, each function with an example."""

NOT_GRADED: tuple[str, ...] = (
    "input that cannot be read",
    "a number too large to check",
    "a decimal comma (`7,0`: use `7.0`)",
    "vector entries separated by spaces only (`2.122 -1.781`: use commas)",
    "a wrong number of entries or shape",
    "the function the problem asks you to compute (`tanh(0.5)` when tanh is asked)",
    "the answer cut short, right to every digit typed but short of the digits needed",
)
"""The slips that are explained and not graded (nothing recorded, the answer not shown)."""
