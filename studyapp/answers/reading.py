"""Read what a learner typed in a drill as a number, a vector or a matrix of floats.

Reading goes in three passes, so nothing the learner types is ever run as code:
`lexing` (characters into tokens), `parsing` (tokens into a shape of vetted entries, plain
numbers valued at once) and `evaluation` (the other entries through SymPy, without
arithmetic on its side, valued in floats).

Conventions: `^` and `**` are powers (right-associative and above unary minus, so
-2^2 = -4); `log` and `ln` are both the natural logarithm (PyTorch's convention,
docs/formats.md); a vector is `a, b, c`, optionally in [ ] or ( ); matrix rows are separated
by `;` or written as bracketed rows, `[[a, b], [c, d]]`.
"""

from __future__ import annotations

import math

from studyapp.answers.errors import TOO_LARGE, UNREADABLE, Answer, AnswerFormatError, clip
from studyapp.answers.evaluation import evaluate
from studyapp.answers.lexing import PLAIN_NUMBER, lex, typography
from studyapp.answers.parsing import Reader, entries_of, values_of

MAX_LENGTH = 1000
"""Longest answer read, in characters; longer input is refused before any other work.

Room for a 5×5 matrix pasted at full float precision; plain numbers are cheap to read.
"""


def read(text: str) -> tuple[Answer, bool]:
    """The answer in `text`, and whether it used `log` (read as ln)."""
    if not isinstance(text, str):
        raise AnswerFormatError("The answer must be text.")
    if len(text) > MAX_LENGTH:
        raise AnswerFormatError(f"The answer is too long (over {MAX_LENGTH} characters).")
    if PLAIN_NUMBER.fullmatch(text):
        value = float(text)
        if not math.isfinite(value):
            raise AnswerFormatError(f"The number {clip(text.strip())} is too large to check.")
        return value, False
    text = typography(text)
    shaped = Reader(text, lex(text)).read()
    entries = entries_of(shaped)
    evaluate(entries)
    for entry in entries:  # both paths refuse infinity and nan; this keeps it so
        assert entry.value is not None
        if not math.isfinite(entry.value):
            raise AnswerFormatError(f"Cannot evaluate '{clip(entry.source)}': {TOO_LARGE}.")
    return values_of(shaped), any(entry.uses_log for entry in entries)


def parse_answer(text: str) -> Answer:
    """A number, vector or matrix of floats read from `text`; AnswerFormatError says why not.

    >>> parse_answer("1/(1+e^-2)")  # doctest: +ELLIPSIS
    0.8807...
    >>> parse_answer("[[1, 2], [3, 4]]") == parse_answer("1, 2; 3, 4")
    True
    """
    try:
        return read(text)[0]
    except AnswerFormatError:
        raise
    except Exception as failure:  # a parser or recursion failure deep inside: still unreadable
        raise AnswerFormatError(UNREADABLE) from failure
