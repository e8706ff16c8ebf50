"""Pass 1 of reading: cut the text into a few token kinds (numbers, names, operators,
brackets, separators) and refuse every other character, saying why."""

from __future__ import annotations

import re
from typing import NamedTuple

from studyapp.answers.errors import AnswerFormatError

# Typographic forms a learner may type or paste, rewritten to what the lexer reads.
TYPOGRAPHY = str.maketrans(
    {
        "−": "-",
        "–": "-",
        "×": "*",
        "·": "*",
        "⋅": "*",
        "∙": "*",
        "÷": "/",
        "π": "pi",
        "σ": "sigmoid",
        "Φ": "Phi",
        "½": "(1/2)",
        "²": "^2",
        "³": "^3",
    }
)

_NUMBER = r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"

_TOKEN = re.compile(
    rf"(?P<num>{_NUMBER})"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|[-+*/^])"
    r"|(?P<open>[(\[])"
    r"|(?P<close>[)\]])"
    r"|(?P<sep>[,;])"
    r"|(?P<space>\s+)"  # any Unicode space, such as a pasted no-break space
)

_ROOT_OF = re.compile(rf"√\s*({_NUMBER}|(?:pi|e)(?![A-Za-z0-9_]))")


def typography(text: str) -> str:
    """`text` with typographic forms rewritten: TYPOGRAPHY, then √ as sqrt. A bare √ takes
    the number or constant right after it (√2 is sqrt(2), 2√3 is 2·sqrt(3), √2pi is
    sqrt(2)·pi); before anything else it is just sqrt, which then needs parentheses."""
    text = text.translate(TYPOGRAPHY)
    if "√" not in text:
        return text
    return _ROOT_OF.sub(r"sqrt(\1)", text).replace("√", " sqrt ")


PLAIN_NUMBER = re.compile(rf"\s*[+-]?{_NUMBER}\s*", re.ASCII)

_WHY_NOT = {
    "!": "factorials (!) are not read",
    "%": "percent signs are not read; write 5% as 0.05",
    "=": "type only the value, without '='",
    "{": "use [ ] or ( ) around vectors and matrices, not { }",
    "}": "use [ ] or ( ) around vectors and matrices, not { }",
    ".": "a '.' must belong to a number, as in 0.5 or .5",
}


class Token(NamedTuple):
    kind: str  # num, name, op, open, close or sep
    text: str
    start: int
    end: int


def lex(text: str) -> list[Token]:
    """The tokens of `text`; a character outside the grammar is an AnswerFormatError."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        found = _TOKEN.match(text, pos)
        if found is None:
            char = text[pos]
            reason = _WHY_NOT.get(char, "it is not part of a number or an expression")
            raise AnswerFormatError(f"Cannot read the character {char!r}: {reason}.")
        if found.lastgroup != "space":
            tokens.append(Token(str(found.lastgroup), found.group(), pos, found.end()))
        pos = found.end()
    return tokens
