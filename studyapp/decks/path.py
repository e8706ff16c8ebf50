"""Read and check the learning path, `content/path.toml`: what comes first, what waits.

The path is data, so that the order of the course can be changed without touching code.
Like the deck loader, every mistake becomes a `PathError` naming the file and the line.
The home screen reads it at start-up, so it is read line by line (a subset of TOML, no
parser to import). Whether the ids it names exist (decks on disk, registered drill topics)
is a separate check (`check_path`), run by the tests on the bundled file, since the drill
registry imports NumPy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from studyapp.decks.files import PATH_FILE as PATH_FILE  # the deck loader skips it

KINDS = ("decks", "topics")
"""The two tables of the file; an item is (kind, id) with kind "deck" or "topic"."""

Item = tuple[str, str]
_KIND = {"decks": "deck", "topics": "topic"}


class PathError(Exception):
    """A path file that cannot be used, with where and why: `path:line: reason`."""

    def __init__(self, path: Path, line: int | None, reason: str) -> None:
        self.path, self.line, self.reason = path, line, reason
        where = f"{path}:{line}" if line is not None else f"{path}"
        super().__init__(f"{where}: {reason}")

    def __reduce__(self) -> tuple[object, ...]:
        return (PathError, (self.path, self.line, self.reason))


@dataclass(frozen=True)
class Step:
    """One line of the path: a deck or topic and the items it waits for."""

    kind: str  # "deck" | "topic"
    id: str
    requires: tuple[Item, ...]
    line: int


@dataclass(frozen=True)
class LearningPath:
    """The steps in file order (decks and topics each keep their own order)."""

    file: Path
    steps: tuple[Step, ...]

    def order(self, kind: str) -> list[str]:
        """The ids of one kind ("deck" or "topic") in path order."""
        return [step.id for step in self.steps if step.kind == kind]

    def requires(self) -> dict[Item, tuple[Item, ...]]:
        """Every item of the path and what it waits for."""
        return {(step.kind, step.id): step.requires for step in self.steps}


_BLANK = re.compile(r"^\s*(#.*)?$")
_TABLE = re.compile(r"^\s*\[\s*([^\]]*?)\s*\]\s*(#.*)?$")
_ENTRY = re.compile(r"^\s*([A-Za-z0-9_.-]+)\s*=\s*\{(.*)\}\s*(#.*)?$")
_LIST = re.compile(r"\s*([A-Za-z_]+)\s*=\s*\[([^\]]*)\]\s*(?:,|$)")
_NAME = re.compile(r'^\s*"([A-Za-z0-9_.-]+)"\s*$')
_SHAPE = 'expected `id = {}` or `id = { decks = ["a"], topics = ["b"] }`'


def load_path(file: Path) -> LearningPath:
    """Read and check a path file: its shape, references to ids it does not list, cycles.

    The file is a small line-oriented subset of TOML (each entry on one line), read line by
    line: every error names its line, and start-up needs no TOML parser."""
    try:
        text = file.read_bytes().decode("utf-8-sig")
    except OSError as error:
        raise PathError(file, None, f"cannot read it: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise PathError(file, None, "not UTF-8 text") from None
    steps: list[Step] = []
    seen: set[Item] = set()
    table: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if _BLANK.match(line):
            continue
        header = _TABLE.match(line)
        if header:
            table = header.group(1)
            if table not in KINDS:
                raise PathError(file, number, f"unknown table [{table}] (use [decks] or [topics])")
            continue
        entry = _ENTRY.match(line)
        if entry is None:
            raise PathError(file, number, f"cannot read this line: {_SHAPE}")
        if table is None:
            raise PathError(file, number, "an entry before any [decks] or [topics] table")
        step = Step(_KIND[table], entry.group(1), _requires(file, number, entry.group(2)), number)
        if (step.kind, step.id) in seen:
            raise PathError(file, number, f"{step.kind} {step.id!r} is listed twice")
        seen.add((step.kind, step.id))
        steps.append(step)
    path = LearningPath(file, tuple(steps))
    _check_references(path)
    _check_cycles(path)
    return path


def _requires(file: Path, line: int, inner: str) -> tuple[Item, ...]:
    """The items inside `{ decks = [...], topics = [...] }`."""
    requires: list[Item] = []
    rest = inner.strip()
    while rest:
        found = _LIST.match(rest)
        if found is None:
            raise PathError(file, line, f"cannot read {{{inner}}}: {_SHAPE}")
        key, names = found.groups()
        if key not in KINDS:
            raise PathError(file, line, f"unknown key {key!r} (use decks or topics)")
        for name in filter(str.strip, names.split(",")):
            quoted = _NAME.match(name)
            if quoted is None:
                raise PathError(file, line, f"{name.strip()} is not a quoted id")
            requires.append((_KIND[key], quoted.group(1)))
        rest = rest[found.end() :].strip()
    return tuple(requires)


def _check_references(path: LearningPath) -> None:
    listed = set(path.requires())
    for step in path.steps:
        for kind, name in step.requires:
            if (kind, name) not in listed:
                raise PathError(
                    path.file,
                    step.line,
                    f"{step.kind} {step.id!r} waits for unknown {kind} {name!r}",
                )
            if (kind, name) == (step.kind, step.id):
                raise PathError(path.file, step.line, f"{step.kind} {step.id!r} waits for itself")


def _check_cycles(path: LearningPath) -> None:
    """Refuse a circle of waits (nothing in it could ever open), naming it."""
    requires = path.requires()
    lines = {(s.kind, s.id): s.line for s in path.steps}
    done: set[Item] = set()

    def visit(item: Item, trail: list[Item]) -> None:
        if item in done:
            return
        if item in trail:
            circle = [*trail[trail.index(item) :], item]
            names = " → ".join(f"{kind} {name}" for kind, name in circle)
            raise PathError(path.file, lines[item], f"circular prerequisites: {names}")
        for needed in requires[item]:
            visit(needed, [*trail, item])
        done.add(item)

    for item in requires:
        visit(item, [])


def check_path(
    path: LearningPath, deck_ids: Iterable[str], topic_ids: Iterable[str]
) -> list[PathError]:
    """What is wrong between the path and the content: ids it names that do not exist,
    and decks or topics it leaves out (each would silently open on day one)."""
    known = {"deck": set(deck_ids), "topic": set(topic_ids)}
    listed: dict[str, set[str]] = {"deck": set(), "topic": set()}
    errors: list[PathError] = []
    for step in path.steps:
        listed[step.kind].add(step.id)
        if step.id not in known[step.kind]:
            errors.append(PathError(path.file, step.line, f"unknown {step.kind} {step.id!r}"))
    for kind, table in (("deck", "decks"), ("topic", "topics")):
        for missing in sorted(known[kind] - listed[kind]):
            errors.append(
                PathError(path.file, None, f"{kind} {missing!r} is missing from [{table}]")
            )
    return errors


@lru_cache(maxsize=8)
def _cached(file: Path, mtime_ns: int, size: int) -> LearningPath:
    return load_path(file)


def content_path(folder: Path) -> LearningPath | None:
    """The path of a content folder, or None when it has none (everything opens at once).

    Cached by the file's modification time, as the home screen reads it at every refresh."""
    file = folder / PATH_FILE
    try:
        stat = file.stat()
    except OSError:
        return None
    return _cached(file, stat.st_mtime_ns, stat.st_size)
