"""Whether anything on disk is newer than what the database holds.

Every start asks it twice: have the bundled deck files changed since the last sync, and
have the drill families? The usual answer is no, and it is found from file digests and
store statements run by name (store/runner.py), so an ordinary start needs neither the
deck parser nor SQLAlchemy. Only when something did change does studyapp.decks.sync do
the real work.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from studyapp.decks.files import deck_files as deck_files
from studyapp.store.runner import Runner

if TYPE_CHECKING:
    from studyapp.decks.format import DeckError

DRILL_FINGERPRINT_KEY = "_drill_topics_fingerprint"  # bookkeeping, not a preference


@dataclass
class SyncReport:
    """What a sync did: decks written, cards added/updated/retired, and files refused."""

    decks_written: list[str] = field(default_factory=list)
    added: int = 0
    updated: int = 0
    retired: int = 0
    errors: list[DeckError] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.decks_written or self.retired)


def file_digest(path: Path) -> str:
    """The sha256 of the file's bytes, hex: equal digests mean nothing needs syncing."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def bundled_decks_unchanged(reader: Runner, folder: Path) -> bool:
    """True when a sync of `folder` would write nothing: every file has the digest stored
    for its deck, no such deck is retired, and no live deck's file has gone."""
    known = {
        source: (digest, bool(retired)) for source, digest, retired in reader.all("bundled_decks")
    }
    present = set()
    for path in deck_files(folder):
        present.add(path.name)
        stored = known.get(path.name)
        if stored is None or stored[1]:
            return False
        try:
            if file_digest(path) != stored[0]:
                return False
        except OSError:
            return False  # the real sync reports it
    return all(retired or name in present for name, (_, retired) in known.items())


def drill_fingerprint() -> str:
    """Names, sizes and times of the drill family files, read without importing them."""
    from importlib.util import find_spec

    spec = find_spec("studyapp.drills")
    folders = list(spec.submodule_search_locations or []) if spec else []
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(Path(folder).glob("*.py")):
            stat = path.stat()
            digest.update(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()[:32]


def drill_topics_unchanged(reader: Runner, fingerprint: str) -> bool:
    """True when the drill topics were synced from drill files with this fingerprint."""
    stored = reader.scalar("preference", {"key": DRILL_FINGERPRINT_KEY})
    return stored is not None and str(stored) == fingerprint
