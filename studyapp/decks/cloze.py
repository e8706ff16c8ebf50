"""Cloze cards: which gap a card hides and what its back shows (one pure function).

A cloze note keeps its text raw, with Anki's markup: `{{c1::answer}}`, `{{c2::answer::hint}}`,
gaps nested in gaps, several gaps with one number. Card n hides every gap numbered n, as
`[hint]` or `[…]`, and shows the other gaps as their plain answers; its back shows the whole
text with the gaps numbered n marked (the UI bolds them). Markup that never closes stays as
the text it is, so a stray `{{c1::` shows rather than vanishing.

The text is parsed once, left to right, with a stack of open gaps: linear in its length,
however many openings never close.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

HIDDEN = "[…]"
OPENING = re.compile(r"\{\{c([1-9][0-9]{0,3})::")
TOKEN = re.compile(r"\{\{c[1-9][0-9]{0,3}::|\}\}|::")


@dataclass
class _Gap:
    """One `{{cN::…}}`: its number, what it holds, and its hint (after its own `::`)."""

    number: int
    opening: str
    parts: list[str | _Gap] = field(default_factory=list)
    hint: list[str | _Gap] | None = None

    def add(self, part: str | _Gap) -> None:
        (self.parts if self.hint is None else self.hint).append(part)

    def literal(self) -> list[str | _Gap]:
        """An unclosed gap as the text it was typed as."""
        parts: list[str | _Gap] = [self.opening, *self.parts]
        if self.hint is not None:
            parts += ["::", *self.hint]
        return parts


@dataclass(frozen=True)
class ClozeCard:
    """One card of a cloze note: its front, and its back as (text, marked) parts."""

    front: str
    back_parts: tuple[tuple[str, bool], ...]

    @property
    def back(self) -> str:
        """The back as plain text (the marked gaps filled in)."""
        return "".join(text for text, _ in self.back_parts)


def _parse(text: str) -> list[str | _Gap]:
    root: list[str | _Gap] = []
    stack: list[_Gap] = []

    def add(part: str | _Gap) -> None:
        if stack:
            stack[-1].add(part)
        else:
            root.append(part)

    done = 0
    for token in TOKEN.finditer(text):
        if token.start() > done:
            add(text[done : token.start()])
        done = token.end()
        word = token.group()
        if word == "}}":
            if stack:
                gap = stack.pop()
                add(gap)
            else:
                add(word)
        elif word == "::":
            if stack and stack[-1].hint is None:
                stack[-1].hint = []
            else:
                add(word)
        else:
            opening = OPENING.match(word)
            assert opening is not None
            stack.append(_Gap(int(opening.group(1)), word))
    if done < len(text):
        add(text[done:])
    while stack:  # never closed: back to text, innermost first
        gap = stack.pop()
        for part in gap.literal():
            add(part)
    return root


def cloze_numbers(text: str) -> tuple[int, ...]:
    """The distinct cloze numbers of `text`, ascending: one card each."""
    numbers: set[int] = set()
    pending = list(_parse(text))
    while pending:
        part = pending.pop()
        if isinstance(part, _Gap):
            numbers.add(part.number)
            pending += part.parts
    return tuple(sorted(numbers))


def _plain(parts: list[str | _Gap]) -> str:
    """Parts with every gap shown as its answer."""
    out: list[str] = []
    pending: list[str | _Gap] = list(reversed(parts))
    while pending:
        part = pending.pop()
        if isinstance(part, _Gap):
            pending += reversed(part.parts)
        else:
            out.append(part)
    return "".join(out)


def render_cloze(text: str, number: int) -> ClozeCard:
    """Card `number` of the cloze note `text` (see the module docstring)."""
    front: list[str] = []
    back: list[tuple[str, bool]] = []
    pending: list[str | _Gap] = list(reversed(_parse(text)))
    while pending:
        part = pending.pop()
        if not isinstance(part, _Gap):
            front.append(part)
            back.append((part, False))
        elif part.number == number:
            hint = _plain(part.hint) if part.hint else ""
            front.append(f"[{hint}]" if hint else HIDDEN)
            back.append((_plain(part.parts), True))
        else:
            pending += reversed(part.parts)
    return ClozeCard("".join(front), tuple(_merged(back)))


def _merged(parts: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """Neighbouring parts of the same kind as one, and no empty ones."""
    merged: list[tuple[str, bool]] = []
    for text, marked in parts:
        if not text:
            continue
        if merged and merged[-1][1] == marked and not marked:
            merged[-1] = (merged[-1][0] + text, marked)
        else:
            merged.append((text, marked))
    return merged
