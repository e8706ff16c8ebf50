"""The exports on PostgreSQL are built by the server (store/pg_lines.py) and are byte for
byte what the Python writers write: the csv module over the rows (export.py's path for any
other database) and msgspec over the backup's Structs.

Runs when STUDYAPP_TEST_PG_URL names a database the tests may wipe; skipped otherwise.
The collection holds text chosen to trip up CSV quoting and JSON escaping, and values at
the edges of every column's formatting (as far as Python's dates reach: the reference
cannot write a day outside years 1 to 9999).
"""

from __future__ import annotations

import io
import os
import random
from datetime import date
from typing import Any

import msgspec
import pytest
from sqlalchemy import text

from studyapp.store import Database, open_database, pg_lines
from studyapp.store.bulk import insert_rows
from studyapp.transfer import export
from studyapp.transfer.backup import write_backup
from tests.test_postgres import wipe

URL = os.environ.get("STUDYAPP_TEST_PG_URL")
pytestmark = pytest.mark.skipif(not URL, reason="set STUDYAPP_TEST_PG_URL to run on PostgreSQL")

TRICKY = [
    "",
    " ",
    "plain",
    "a,b",
    'say "hi"',
    '"',
    '""',
    ",",
    "line\nbreak",
    "carriage\rreturn",
    "\r",
    "crlf\r\nend",
    "\n",
    "\\.",
    "\\",
    "tab\there",
    "semi;colon",
    "it's",
    " leading and trailing ",
    "unicode: é ß 中文 😀 עברית",
    "zero\u200bwidth",
    "line\u2028separator\u2029",
    "del\x7f unit\x1f escape\x1b bell\x07 vt\x0b ff\x0c bs\x08",
    'all of it: "a", b\n\r"c"',
    "\\backslash\\ \\n not a newline",
    "x" * 5000 + ",",
]
SHORT = ["card", "topic", "we,ird", 'q"k', "", "\\.", "c\rr", "t\tb", "é中"]  # fit String(10)

DAY_MS = 86_400_000
FIRST_MS, LAST_MS = -62_135_596_800_000, 253_402_300_799_999  # 0001-01-01 .. 9999-12-31
MOMENTS = [0, 1, 999, 1000, DAY_MS - 1, DAY_MS, -1, -999, -1000, -DAY_MS, -DAY_MS - 1]
MOMENTS += [1_718_452_800_000, 1_781_524_800_123, 1_700_000_000_999, FIRST_MS, LAST_MS]
EASES = [0, 1, 5, 9, 10, 50, 99, 100, 101, 130, 200, 205, 236, 250, 251, 300, 999, 1000, 1337]
EASES += [32767, -1, -5, -100, -130, -236, -32768]
DAYS = [None, 1, 2, 719163, 738000, 739738, 3652059]  # 0001-01-01 ... 9999-12-31


@pytest.fixture
def pg() -> Any:
    assert URL is not None
    wipe(URL)
    db = open_database(URL)
    yield db
    db.close()


def add(db: Database, table: str, rows: list[dict[str, Any]]) -> None:
    with db.engine.begin() as connection:
        insert_rows(connection, table, list(rows[0]), [tuple(row.values()) for row in rows])


@pytest.fixture
def tricky(pg: Database) -> Database:
    """Cards and reviews whose every column holds something awkward to write."""
    decks = ["plain", "de,ck", 'de"ck', "dé\nck", "\\."]
    add(pg, "decks", [{"id": d, "name": d, "description": "", "origin": "own"} for d in decks])
    rng = random.Random(16)
    cards = []
    for i, front in enumerate(TRICKY * 3):
        cards.append(
            {
                "id": f"card-{i}" if i % 5 else f'odd,id"{i}\r',
                "deck_id": decks[i % len(decks)],
                "position": rng.choice([-(2**31), -5, 0, 0, 7, 2**31 - 1]),  # ties: id decides
                "front": front,
                "back": TRICKY[(i * 7) % len(TRICKY)],
                "tags": TRICKY[(i * 3) % len(TRICKY)],
                "suspended": i % 3 == 0,
                "retired": i % 11 == 0,
                "easiness": EASES[i % len(EASES)],
                "repetitions": rng.randint(0, 30),
                "interval": rng.choice([0, 1, 36500, 2**31 - 1]),
                "due": DAYS[i % len(DAYS)],
                "lapses": rng.randint(0, 9),
            }
        )
    add(pg, "cards", cards)
    reviews = []
    for i in range(700):
        reviews.append(
            {
                "id": [-5, 0, 2**31 - 1][i] if i < 3 else rng.choice([i, i * 1000 + 3]),
                "kind": rng.choice(SHORT),
                "item_id": rng.choice([*TRICKY[:-1], "c0000001"])[:100],
                "reviewed_at": MOMENTS[i] if i < len(MOMENTS) else rng.randint(FIRST_MS, LAST_MS),
                "day": DAYS[1 + i % (len(DAYS) - 1)],
                "quality": rng.randint(0, 5),
                "duration_ms": rng.choice([0, 1, 2**31 - 1]),
                "repeat": i % 2 == 1,
                "prev_easiness": EASES[i % len(EASES)],
                "prev_repetitions": rng.randint(0, 99),
                "prev_interval": rng.randint(0, 10**5),
                "prev_due": DAYS[i % len(DAYS)],
                "prev_lapses": rng.randint(0, 40),
                "prev_last_review": DAYS[(i * 2) % len(DAYS)],
                "easiness": EASES[(i * 5) % len(EASES)],
                "repetitions": rng.randint(0, 99),
                "interval": rng.randint(0, 10**5),
                "due": DAYS[(i * 3) % len(DAYS)],
                "lapses": rng.randint(0, 40),
                "imported": i % 7 == 0,
                "cram": i % 5 == 0,
                "leech": i % 4,
            }
        )
    add(pg, "reviews", list({r["id"]: r for r in reviews}.values()))
    return pg


def python_csv(db: Database, columns: tuple[str, ...], rows: Any) -> str:
    """What the csv module writes from the rows as SQLAlchemy reads them."""
    out = io.StringIO()
    export._write_rows_csv(out, columns, rows(db))
    return out.getvalue()


def server_csv(db: Database, write: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[str, int]:
    """The export's own CSV, with the Python rows out of its reach."""

    def no_rows(_db: Database) -> Any:
        raise AssertionError("the PostgreSQL export read Python rows")

    with monkeypatch.context() as patch:
        patch.setattr(export, "_card_rows", no_rows)
        patch.setattr(export, "_review_rows", no_rows)
        out = io.StringIO()
        count = write(db, out)
    return out.getvalue(), count


@pytest.mark.parametrize("chunk", [pg_lines.CHUNK, 1, 7])
def test_the_servers_csv_is_what_the_csv_module_wrote(tricky, monkeypatch, chunk) -> None:
    monkeypatch.setattr(pg_lines, "CHUNK", chunk)
    cards, card_count = server_csv(tricky, export.write_cards_csv, monkeypatch)
    reviews, review_count = server_csv(tricky, export.write_reviews_csv, monkeypatch)
    assert cards == python_csv(tricky, export.CARD_COLUMNS, export._card_rows)
    assert reviews == python_csv(tricky, export.REVIEW_COLUMNS, export._review_rows)
    with tricky.engine.connect() as connection:
        assert card_count == connection.scalar(text("SELECT count(*) FROM cards WHERE NOT retired"))
        assert review_count == connection.scalar(text("SELECT count(*) FROM reviews"))
    assert card_count > 50 and review_count > 600


def test_the_review_log_writes_moments_as_the_sqlite_export_does(tricky, monkeypatch) -> None:
    """ISO 8601 in UTC to the millisecond with a Z (not str(datetime)), days ISO, factors
    as Python's repr, flags as Python writes a bool, a NULL day as nothing."""
    add(
        tricky,
        "reviews",
        [
            {
                "id": 10**9,
                "kind": "card",
                "item_id": "c1",
                "reviewed_at": 1_781_524_800_123,
                "day": 739782,
                "quality": 4,
                "duration_ms": 2500,
                "repeat": True,
                "prev_easiness": 300,
                "prev_repetitions": 0,
                "prev_interval": 0,
                "prev_due": None,
                "prev_lapses": 0,
                "easiness": 1337,
                "repetitions": 1,
                "interval": 1,
                "due": date(9999, 12, 31).toordinal(),
                "lapses": 0,
            }
        ],
    )
    reviews, _count = server_csv(tricky, export.write_reviews_csv, monkeypatch)
    expected = "\n1000000000,card,c1,2026-06-15T12:00:00.123Z,4,2500,True,3.0,0,0,,0,13.37,1,1,"
    expected += "9999-12-31,0\n2147483647,"  # in id order
    assert expected in reviews
    assert expected in python_csv(tricky, export.REVIEW_COLUMNS, export._review_rows)


def test_empty_tables_give_just_the_header(pg, monkeypatch) -> None:
    assert server_csv(pg, export.write_cards_csv, monkeypatch) == (
        ",".join(export.CARD_COLUMNS) + "\n",
        0,
    )
    assert server_csv(pg, export.write_reviews_csv, monkeypatch) == (
        ",".join(export.REVIEW_COLUMNS) + "\n",
        0,
    )


def test_every_stored_easiness_is_written_as_pythons_repr(pg) -> None:
    with pg.engine.connect() as connection:
        rows = connection.exec_driver_sql(
            f"SELECT e, {pg_lines.ease_sql('e')} FROM generate_series(-32768, 32767) AS e"
        ).all()
    assert len(rows) == 65536
    for hundredths, written in rows:
        assert written == repr(hundredths / 100) == msgspec.json.encode(hundredths / 100).decode()


def test_days_and_moments_over_pythons_range(pg) -> None:
    rng = random.Random(5)
    days = [1, 2, 719163, 3652059, *(rng.randint(1, 3652059) for _ in range(20_000))]
    moments = [*MOMENTS, *(rng.randint(FIRST_MS, LAST_MS) for _ in range(20_000))]
    moments += [rng.randint(-(10**10), 10**10) for _ in range(2000)]
    with pg.engine.begin() as connection:
        pg_lines.prepare(connection)
        found_days = connection.exec_driver_sql(
            f"SELECT {pg_lines.day_sql('d')} FROM unnest(%s::integer[]) AS d", (days,)
        ).scalars()
        assert list(found_days) == [date.fromordinal(d).isoformat() for d in days]
        found = connection.exec_driver_sql(
            f"SELECT {pg_lines.moment_sql('m')} FROM unnest(%s::bigint[]) AS m", (moments,)
        ).scalars()
        assert list(found) == [moment(m) for m in moments]


def moment(millis: int) -> str:
    """Epoch milliseconds as the SQLite export writes them, worked out plainly."""
    seconds, part = divmod(millis, 1000)
    day, second = divmod(seconds, 86400)
    iso = date.fromordinal(date(1970, 1, 1).toordinal() + day).isoformat()
    return f"{iso}T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}.{part:03d}Z"


def test_json_strings_are_escaped_as_msgspec_escapes_them(pg) -> None:
    chars = [chr(c) for c in range(1, 0x3000)] + ["😀", "\U0010ffff", "\ufeff"]
    with pg.engine.connect() as connection:
        found = connection.exec_driver_sql(
            "SELECT to_json(c::text)::text FROM unnest(%s::text[]) AS c", (chars,)
        ).scalars()
        assert list(found) == [msgspec.json.encode(c).decode() for c in chars]


def backup(db: Database, **options: Any) -> bytes:
    out = io.BytesIO()
    write_backup(db, out, **options)
    return out.getvalue()


@pytest.mark.parametrize("chunk", [pg_lines.CHUNK, 1, 7])
def test_the_servers_backup_is_the_struct_writers(tricky, monkeypatch, chunk) -> None:
    monkeypatch.setattr(pg_lines, "CHUNK", chunk)
    built = backup(tricky)
    assert built == backup(tricky, sqlite_records=False)
    assert built.count(b'{"id":') > 700


def test_the_servers_backup_builds_the_review_log(tricky, monkeypatch) -> None:
    """The review records come from the server, not from Structs."""
    from studyapp.transfer import backup as backing

    made = backing.READERS["reviews"]

    def no_structs(row: Any) -> Any:
        raise AssertionError("a review went through a Struct")

    monkeypatch.setitem(backing.READERS, "reviews", (made[0], no_structs))
    assert b'"reviews":[\n{"id":-5,' in backup(tricky)


def test_an_empty_review_log_backs_up_as_an_empty_list(pg) -> None:
    built = backup(pg)
    assert b'"reviews":[\n],\n' in built
    assert built == backup(pg, sqlite_records=False)


def test_the_second_connection_reads_the_exports_snapshot(tricky) -> None:
    """Every other chunk is built by a second connection: it must see the rows the export
    saw when it began, not a grade committed since."""
    count = "SELECT count(*), max(id) FROM reviews"
    with (
        tricky.engine.connect().execution_options(isolation_level="REPEATABLE READ") as export,
        export.begin(),
    ):
        before = export.exec_driver_sql(count).one()
        with tricky.engine.begin() as other:  # a grade elsewhere, committed meanwhile
            other.exec_driver_sql("UPDATE reviews SET quality = 0")
            other.exec_driver_sql("DELETE FROM reviews WHERE id = (SELECT min(id) FROM reviews)")
        with pg_lines.beside(export) as second:
            assert second.exec_driver_sql(count).one() == before
            assert second.exec_driver_sql("SELECT count(*) FROM reviews WHERE quality > 0").scalar()
    with tricky.engine.connect() as after:
        assert after.exec_driver_sql(count).one()[0] == before[0] - 1
