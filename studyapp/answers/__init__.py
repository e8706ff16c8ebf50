"""Reading what the learner typed in a drill and grading it against the engine's answer.

One job a module: `lexing` (characters to tokens), `parsing` (tokens to a shape of vetted
entries), `evaluation` (entries to floats, SymPy only when needed), `reading` (the three
passes: `parse_answer`) and `checking` (tolerance, feedback, `check_answer`). The rest of
the code imports the names below from here.
"""

from __future__ import annotations

from studyapp.answers.checking import LOG_NOTE, Verdict, check_answer, within_tolerance
from studyapp.answers.errors import UNREADABLE, Answer, AnswerFormatError
from studyapp.answers.evaluation import MAX_EXPRESSION_LENGTH, warm_up
from studyapp.answers.parsing import ALLOWED_NAMES, MAX_NESTING
from studyapp.answers.reading import MAX_LENGTH, parse_answer

__all__ = [
    "ALLOWED_NAMES",
    "LOG_NOTE",
    "MAX_EXPRESSION_LENGTH",
    "MAX_LENGTH",
    "MAX_NESTING",
    "UNREADABLE",
    "Answer",
    "AnswerFormatError",
    "Verdict",
    "check_answer",
    "parse_answer",
    "warm_up",
    "within_tolerance",
]
