"""What every pass of reading shares: the Answer type, the one error and its messages."""

from __future__ import annotations

from typing import TypeAlias

Answer: TypeAlias = float | list[float] | list[list[float]]
"""studyapp.drills.base.Answer, repeated so that importing this module loads no NumPy."""

UNREADABLE = "Cannot read this as a number, a vector or a matrix."
TOO_LARGE = "the value is too large to check (beyond about 1.8e308)"


class AnswerFormatError(ValueError):
    """The text could not be read as a number, vector or matrix; the message says why."""


def clip(text: str, width: int = 40) -> str:
    """`text` for an error message, shortened in the middle when long."""
    return text if len(text) <= width else text[: width // 2] + "…" + text[-(width // 2) :]
