"""The store's own exceptions, so that nothing above the store needs sqlite3 or SQLAlchemy.

The store's transaction boundaries turn a database's operational errors (locked, full disk,
read-only file, I/O error) into `StoreError`, whose message is one line a learner can act on
(classified by `store.db.explain`); the original error stays as `__cause__`.
"""


class StoreError(Exception):
    """A change or a read the database could not do right now; the message says why."""


class NothingToUndo(LookupError):
    """Raised by undo when no grade of this session is left to take back."""


class GradeSuperseded(NothingToUndo):
    """Raised by undo (and a drill's grade override) when the grade is no longer its
    item's latest: another terminal graded, reset or restored the item since, and taking
    the grade back would rewind that work. Nothing is changed."""
