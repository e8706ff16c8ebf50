"""The drill topics by id: `@topic` registers a generator, `registry` lists them all.

Kept apart from `base` (what a problem is) so that the package `__init__` and the family
modules import in one direction only: families → registry → base, with `load_families`
importing the families by name at run time rather than by an import statement.
"""

from __future__ import annotations

import importlib
import pkgutil
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np

from studyapp.drills.base import Checkpoint, Draft, Problem, Slip, plain
from studyapp.drills.digits import digits_line

Generator: TypeAlias = Callable[[np.random.Generator, int], Draft]

_PACKAGE = __name__.rpartition(".")[0]
"""`studyapp.drills`, found by name (importing it here would be an import cycle)."""
_NOT_FAMILIES = frozenset({"base", "registry", "digits", "mistakes"})
"""Modules of the package that hold machinery, not topics."""


@dataclass(frozen=True)
class Topic:
    """A drillable computation: its stable id, a one-line title and the seed it comes from.

    The title names the task, never its formula (a title in view would give the answer away);
    `formula` is what the learner is meant to recall, shown at level 1 and in the steps.
    """

    id: str
    title: str
    source: str
    generate: Generator
    formula: str = ""


class UnknownTopicError(LookupError):
    """Raised for a topic id that is not registered; the message lists the valid ones."""


_REGISTRY: dict[str, Topic] = {}
_loaded = False


def topic(
    topic_id: str, title: str, source: str, formula: str = ""
) -> Callable[[Generator], Generator]:
    """Register a generator under a stable topic id."""

    def register(generate: Generator) -> Generator:
        if topic_id in _REGISTRY:
            raise ValueError(f"drill topic {topic_id!r} registered twice")
        _REGISTRY[topic_id] = Topic(topic_id, title, source, generate, formula)
        return generate

    return register


def load_families() -> None:
    """Import every family module once so their topics register (adding a family is adding
    a file to the package)."""
    global _loaded
    if _loaded:
        return
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if info.name not in _NOT_FAMILIES and not info.name.startswith("_"):
            importlib.import_module(f"{_PACKAGE}.{info.name}")
    _loaded = True


def registry() -> dict[str, Topic]:
    """Every registered topic by id (family modules are imported on first use)."""
    load_families()
    return dict(sorted(_REGISTRY.items()))


def get_topic(topic_id: str) -> Topic:
    topics = registry()
    if topic_id not in topics:
        valid = ", ".join(topics)
        raise UnknownTopicError(f"unknown topic {topic_id!r}; valid topics: {valid}")
    return topics[topic_id]


def make_problem(topic_id: str, seed: int, difficulty: int = 1) -> Problem:
    """The problem for (topic, seed, difficulty): identical on every machine."""
    if difficulty not in (1, 2, 3):
        raise ValueError("difficulty must be 1, 2 or 3")
    found = get_topic(topic_id)
    rng = np.random.default_rng([seed, difficulty, zlib.crc32(topic_id.encode())])
    draft = found.generate(rng, difficulty)
    formula = draft.formula or found.formula
    answer = plain(draft.answer)
    digits = digits_line(answer, draft.tolerance)
    return Problem(
        topic=topic_id,
        seed=seed,
        difficulty=difficulty,
        prompt=with_digits(
            with_formula(draft.prompt, formula) if difficulty == 1 else draft.prompt, digits
        ),
        inputs={name: plain(value) for name, value in draft.inputs.items()},
        answer=answer,
        tolerance=draft.tolerance,
        steps=tuple(draft.steps) if difficulty == 1 else steps_with_formula(draft.steps, formula),
        slips=_plain_slips(draft.slips),
        title=found.title,
        formula=formula,
        giveaways=draft.giveaways,
        checkpoints=_checkpoints(draft, answer),
    )


def _plain_slips(slips: Sequence[Slip]) -> tuple[Slip, ...]:
    return tuple(Slip(plain(s.value), s.feedback, s.id, s.tolerance) for s in slips)


def _checkpoints(draft: Draft, answer: Any) -> tuple[Checkpoint, ...]:
    """The draft's steps with plain values, ending in `answer`; a one-step problem gets the
    lone `answer` checkpoint, so every problem can be graded step by step."""
    points = list(draft.checkpoints) or [
        Checkpoint("answer", "Answer", answer, lambda _earlier: answer)
    ]
    names = [point.name for point in points]
    if names[-1] != "answer" or len(set(names)) != len(names):
        raise ValueError(f"checkpoints {names} must be distinct and end in 'answer'")
    last = points[-1]
    return (
        *(replace(p, value=plain(p.value), slips=_plain_slips(p.slips)) for p in points[:-1]),
        replace(last, value=answer, slips=_plain_slips(last.slips) or _plain_slips(draft.slips)),
    )


def with_digits(prompt: str, digits: str) -> str:
    """The prompt with the digits line, said here once for every topic, so that no prompt asks
    for fewer digits than its tolerance needs."""
    return f"{prompt} {digits}" if digits else prompt


def with_formula(prompt: str, formula: str) -> str:
    """The level-1 prompt: by hand, the learner is still learning the formula, so it is given."""
    return f"{prompt} Formula: {formula}." if formula else prompt


def steps_with_formula(steps: Sequence[str], formula: str) -> tuple[str, ...]:
    """The worked steps, opening with the formula unless the first already states it: at level
    2 and up the hint (the first step) is where a learner who cannot recall it finds it. (At
    level 1 the prompt gives it, so the hint stays a worked step rather than a repeat.)"""
    if not formula or (steps and formula in steps[0]):
        return tuple(steps)
    return (f"Formula: {formula}", *steps)
