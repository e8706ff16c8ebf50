"""The snapshot backup (`studyapp export --format snapshot`): the collection's SQLite file
copied whole and compressed with zstd, as Anki's `.colpkg` is its collection file.

It is the fast full backup: no row is read into Python either way, so it takes about as
long as copying the file (the JSON backup, backup.py, reads and checks every record, and
is the one a person or another database can read). Restoring one (`studyapp import`)
unpacks it beside the collection, checks every page's structure and the schema (a
foreign or newer file is refused, an older one upgraded), then replaces the collection's
pages in one step, or becomes the collection file when there is none yet
(store/snapshot.py): a damaged or cut-short file changes nothing.

The file is one zstd frame that records the database's size and a checksum of its
content, so damage anywhere is found before anything is replaced.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from studyapp.store import Database
from studyapp.store.snapshot import (
    SnapshotProblem,
    checked_copy,
    copy_in,
    copy_out,
    file_held_still,
    put_in_place,
    sqlite_file,
)

Progress = Callable[[int, int], None]
"""(bytes done, bytes in all)."""

SUFFIX = ".studyapp"
"""The name a snapshot is given by convention (`import` knows one by its content)."""
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
CHUNK = 4 * 1024**2
LEVEL = 1
"""zstd's fastest level: at 1M reviews the file is 5x smaller (level 3, zstd's default,
saves 4 % more for half as much speed again)."""

__all__ = [
    "SUFFIX",
    "SnapshotProblem",
    "is_snapshot",
    "restore_snapshot",
    "restore_to_new_file",
    "write_snapshot",
]


def write_snapshot(db: Database, out: IO[bytes], progress: Progress | None = None) -> int:
    """Write the compressed snapshot of the collection to `out`; returns the bytes of the
    database it holds. `progress` is told (bytes compressed, bytes in all)."""
    sqlite_file(db)  # a server's collection has no file: said before any work
    beside = Path(out.name).parent if isinstance(out.name, str) else None
    with _scratch(beside) as folder, file_held_still(db) as held:
        if held is None:  # written to meanwhile: a copy, taken by SQLite's backup
            copy = folder / "collection.db"
            copy_out(db, copy)
            return _compress(copy, out, progress)
        return _compress(held, out, progress)


def _compress(source: Path, out: IO[bytes], progress: Progress | None) -> int:
    """One zstd frame of the file at `source`, with its size and checksum; its size."""
    import zstandard

    size = source.stat().st_size
    compressor = zstandard.ZstdCompressor(level=LEVEL, write_checksum=True, threads=-1)
    done = 0
    with (
        source.open("rb") as handle,
        compressor.stream_writer(out, size=size, closefd=False) as packed,
    ):
        while chunk := handle.read(CHUNK):
            packed.write(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, size)
    return size


def is_snapshot(path: Path) -> bool:
    """Whether `path` is meant as a snapshot: a zstd frame (no other file `studyapp import`
    takes starts so). Whether it holds a sound database is the restore's to say."""
    try:
        with path.open("rb") as handle:
            return handle.read(4) == ZSTD_MAGIC
    except OSError:
        return False


def restore_snapshot(db: Database, path: Path, progress: Progress | None = None) -> None:
    """Make the collection exactly the snapshot at `path`, or raise SnapshotProblem and
    change nothing. `progress` is told (bytes of the file unpacked, bytes in all)."""
    target = sqlite_file(db)
    with _scratch(target.parent) as folder:
        copy = folder / "collection.db"
        _unpack(path, copy, progress)
        checked_copy(copy)
        copy_in(db, copy)


def restore_to_new_file(path: Path, target: Path, progress: Progress | None = None) -> bool:
    """Make a new collection file at `target` from the snapshot at `path`: unpacked and
    checked beside it, then given its name (no empty collection built and then
    overwritten page by page). False, with nothing written, when a file named `target`
    appeared meanwhile; SnapshotProblem when the snapshot is not sound."""
    with _scratch(target.parent) as folder:
        copy = folder / "collection.db"
        _unpack(path, copy, progress)
        checked_copy(copy)
        return put_in_place(copy, target)


def _unpack(path: Path, copy: Path, progress: Progress | None) -> None:
    """The snapshot's database at `copy`, whole. The frame must record its size (every
    snapshot's does), which must fit on the disk: a small file that would unpack to more
    than the disk holds is refused before a byte is written, and unpacking stops at the
    recorded size. A frame cut short, damaged, or holding another size is refused."""
    import shutil

    import zstandard

    total = path.stat().st_size
    try:
        with path.open("rb") as handle:
            expected = zstandard.frame_content_size(handle.read(18))
            if expected < 0:
                raise SnapshotProblem("it is not a studyapp snapshot (its size is not recorded)")
            free = shutil.disk_usage(copy.parent).free
            if expected > free:
                raise SnapshotProblem(
                    f"it unpacks to {expected / 2**20:,.0f} MiB and the disk has "
                    f"{free / 2**20:,.0f} MiB free"
                )
            handle.seek(0)
            written = 0
            with (
                zstandard.ZstdDecompressor().stream_reader(handle) as reader,
                copy.open("wb") as out,
            ):
                while written <= expected and (chunk := reader.read(CHUNK)):
                    out.write(chunk)
                    written += len(chunk)
                    if progress is not None:
                        progress(min(handle.tell(), total), total)
    except zstandard.ZstdError as error:
        raise SnapshotProblem(f"the file is damaged ({error})") from None
    if written != expected:
        raise SnapshotProblem(
            f"the file is cut short or damaged: it unpacks to {written:,} bytes, not the "
            f"{expected:,} its header records"
        )


@contextlib.contextmanager
def _scratch(beside: Path | None) -> Iterator[Path]:
    """A private folder for the uncompressed copy: beside the collection (or the output)
    when that folder is writable, so a large copy lands on the same disk, else the
    system's temporary folder; removed afterwards whatever happens."""
    where = beside if beside is not None and os.access(beside, os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix=".studyapp-snapshot-", dir=where) as folder:
        yield Path(folder)
