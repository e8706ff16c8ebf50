"""The query planner's statistics, refreshed after a bulk load.

A restore, an Anki import or an import of decks writes thousands of rows at once, and
PostgreSQL's planner then guesses the tables' sizes until autovacuum measures them, a
minute or more later: on the benchmark collection (10,000 cards, 100,000 reviews) the home
counts took 33 ms instead of 20 in that minute, and the stats 74 ms instead of 27. So
whoever loads in bulk calls `refresh_planner_statistics` once the load is committed.

Until then the cards' visibility map is not set either, so every index-only scan of the
home counts still reads the table for each card it counts (14,706 table reads for the due
count after the benchmark's build at 100,000 cards: 30 ms instead of 4). So `cards` is
vacuumed too (0.3-0.5 s at 100,000 cards; the log is left to autovacuum: nothing at
start-up counts it by an index-only scan).

SQLite is left alone: its plans for these statements do not depend on sqlite_stat1
(measured on the same collection: home 5.4 ms and stats 19.6 ms without it, 5.4 and
18.3 ms with it), and ANALYZE would be a write the learner did not ask for.
"""

from __future__ import annotations

from studyapp.store.db import Database


def refresh_planner_statistics(db: Database) -> None:
    """Measure every table again on PostgreSQL (ANALYZE samples a bounded number of rows
    per table: well under a second on the benchmark's million-row log) and set the cards'
    visibility map (VACUUM, outside a transaction); nothing on SQLite."""
    if db.path is not None or db.url.startswith("sqlite"):
        return
    with db.engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM cards")
