"""Refuse an answer that types back the function the problem asks to compute.

`tanh(0.5)` for "compute tanh(0.5)" would be graded right while showing nothing, so a
problem lists its give-away functions (`Problem.giveaways`) and such input is not graded.
"""

from __future__ import annotations

from collections.abc import Iterable

from studyapp.answers.errors import AnswerFormatError
from studyapp.answers.lexing import lex, typography
from studyapp.answers.parsing import FUNCTIONS

BY_EXP = frozenset({"tanh", "sigmoid"})
"""Give-aways that exp replaces by hand: their message says so."""


def functions_used(text: str) -> frozenset[str]:
    """The answer-language functions named in `text` (σ as sigmoid, any capitals); none
    when it cannot be cut into tokens (the reader then says why)."""
    try:
        tokens = lex(typography(text))
    except AnswerFormatError:
        return frozenset()
    names = (token.text.lower() for token in tokens if token.kind == "name")
    return frozenset(name for name in names if name in FUNCTIONS)


def giveaway_message(text: str, giveaways: Iterable[str]) -> str | None:
    """'This problem asks you to compute tanh yourself: …' when `text` uses a give-away."""
    giveaways = tuple(giveaways)
    if not giveaways:  # most problems: no second lexing of the text
        return None
    used = functions_used(text)
    for name in giveaways:
        if name in used:
            way = "type a number or use exp" if name in BY_EXP else "type a number"
            return f"This problem asks you to compute {name} yourself: {way}."
    return None
