"""What every export shares, kept apart from the exporters so that a command which only
writes a file (the snapshot) does not import SQLAlchemy's ORM to do it: the progress
tally, and the temporary file renamed into place only when the export is whole."""

from __future__ import annotations

import errno
import os
import secrets
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

_T = TypeVar("_T")

Progress = Callable[[int, int], None]
"""Told (rows done, rows in all) while a long export or import runs."""
PROGRESS_EVERY = 2000


class Tally:
    """Counts rows towards a known total and tells `progress` every PROGRESS_EVERY rows and
    when told to finish, so a long export or import can show how far it has got."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress, self.total, self.done = progress, total, 0

    def each(self, rows: Iterable[_T]) -> Iterator[_T]:
        for row in rows:
            yield row
            self.add(1)

    def add(self, count: int) -> None:
        before, self.done = self.done, self.done + count
        if self.progress is not None and before // PROGRESS_EVERY != self.done // PROGRESS_EVERY:
            self.progress(self.done, self.total)

    def finish(self) -> None:
        if self.progress is not None:
            self.progress(self.done, max(self.total, self.done))


class ExportProblem(Exception):
    """An export file that cannot be written; the message says why and what to do, in one line."""


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A new temporary file beside `path` for the export to be written to, renamed over
    `path` when the block ends without an error and removed when it does not: a failed
    export leaves neither a half-written file nor a damaged older one. A folder that is
    missing or not writable, or a full disk, becomes an ExportProblem."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.part")
    try:
        temporary.touch(exist_ok=False)
    except OSError as error:
        raise ExportProblem(_cannot_write(path, error)) from None
    try:
        yield temporary
        if path.exists():
            temporary.chmod(path.stat().st_mode & 0o7777)  # replaced, it keeps its permissions
        os.replace(temporary, path)
    except BaseException as error:
        temporary.unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise ExportProblem(_cannot_write(path, error)) from None
        raise


def _cannot_write(path: Path, error: OSError) -> str:
    folder = path.parent
    reasons = {
        errno.ENOENT: f"the folder {folder} does not exist; create it or export elsewhere",
        errno.ENOTDIR: f"{folder} is not a folder; export into a folder",
        errno.EISDIR: f"{path} is a folder; give a file name",
        errno.EACCES: f"no permission to write in {folder}; export to a folder of yours",
        errno.EPERM: f"no permission to write in {folder}; export to a folder of yours",
        errno.EROFS: f"{folder} is on a read-only disk; export elsewhere",
        errno.ENOSPC: "the disk is full; free some space or export to another disk",
        errno.EDQUOT: "the disk quota is used up; free some space or export to another disk",
    }
    reason = reasons.get(error.errno or 0, error.strerror or str(error))
    return f"cannot write {path}: {reason}"
