"""The store's own exceptions, so that nothing above the store needs sqlite3 or SQLAlchemy.

The store's transaction boundaries turn a database's operational errors (locked, full disk,
read-only file, I/O error) into `StoreError`, whose message is one line a learner can act on
(classified by `store.db.explain`); the original error stays as `__cause__`.
"""


class StoreError(Exception):
    """A change or a read the database could not do right now; the message says why."""
