"""Storage: the tables, opening and migrating a database, and the few writes everyone shares."""

from studyapp.store.db import Database, DatabaseProblem, open_database

__all__ = ["Database", "DatabaseProblem", "open_database"]
