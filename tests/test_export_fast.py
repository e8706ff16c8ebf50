"""The fast export paths write exactly what the plain ones did.

CSV on SQLite: SQLite builds each line itself; the reference is the row-by-row export it
replaced (the queries below, each row through Python's csv module), on text chosen to
trip up CSV quoting and on values at the edges of every column's formatting.

.apkg: genanki's note and card INSERTs are batched and each card's schedule goes into its
row before it is written; the reference is genanki's own one-row-at-a-time write followed
by the UPDATE that used to stamp the schedules. With the same timestamp the two
collections are identical in every table (genanki takes note and card ids and `mod` from
the clock, so the timestamp is the only thing to hold still; nothing is left out).
"""

from __future__ import annotations

import csv
import io
import json
import random
import sqlite3
import zipfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from studyapp.store import Database, csv_lines
from studyapp.transfer import export
from studyapp.transfer.anki import CREATED_AT, BatchingCursor, scheduled_package
from tests.helpers import add_cards

# --- CSV ---------------------------------------------------------------------------------------

# The row-by-row queries the SQLite export used before it built its lines in SQL.
REFERENCE_CARDS = (
    "SELECT id, deck_id, front, back, tags, easiness / 100.0, repetitions, interval, "
    "date(due + 1721424.5), lapses, CASE WHEN suspended THEN 'True' ELSE 'False' END "
    "FROM cards WHERE retired = 0 ORDER BY rowid"
)
REFERENCE_REVIEWS = (
    "SELECT id, kind, item_id, strftime('%Y-%m-%dT%H:%M:%fZ', reviewed_at / 1000.0, 'unixepoch'), "
    "quality, duration_ms, repeat, prev_easiness / 100.0, prev_repetitions, prev_interval, "
    "date(prev_due + 1721424.5), prev_lapses, easiness / 100.0, repetitions, interval, "
    "date(due + 1721424.5), lapses FROM reviews ORDER BY id"
)

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
    "crlf\r\nend",
    "\n",
    "tab\there",
    "semi;colon",
    "it's",
    " leading and trailing ",
    "nul\x00inside",
    "\x00",
    "unicode: é ß 中文 😀 עברית",
    "zero\u200bwidth",
    "line\u2028separator",
    'all of it: "a", b\n\r"c"',
    "\\backslash\\",
    "x" * 5000 + ",",
]

DAY_MS = 86_400_000
MOMENTS = [
    0,
    1,
    999,
    1000,
    DAY_MS - 1,
    DAY_MS,
    -1,
    -999,
    -1000,
    -DAY_MS,
    -DAY_MS - 1,
    1_718_452_800_000,
    1_781_524_800_123,
    1_700_000_000_999,
    -62_135_596_800_000,  # 0001-01-01T00:00:00.000Z, the first Python datetime
    253_402_300_799_999,  # 9999-12-31T23:59:59.999Z, the last
    -62_135_596_800_001,
    253_402_300_800_000,  # just outside: strftime decides
    -210_866_760_000_000,
    -300_000_000_000_000,
    10**15,  # far outside: no date at all
]
EASES = [
    0,
    1,
    5,
    9,
    10,
    50,
    99,
    100,
    101,
    130,
    200,
    205,
    236,
    250,
    251,
    999,
    1000,
    32767,
    -1,
    -5,
    -130,
    -236,
    -32768,
]
DAYS = [None, 1, 719163, 738000, 739738, 3652059, 0, -1, 4_000_000]


def reference_csv(db: Database, sql: str, columns: tuple[str, ...]) -> str:
    """What the export wrote before: the old query's rows through csv.writer."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    raw = db.engine.raw_connection()
    try:
        writer.writerows(raw.cursor().execute(sql))  # type: ignore[arg-type]
    finally:
        raw.close()
    return out.getvalue()


def fast_csv(db: Database, write: Any) -> tuple[str, int]:
    out = io.StringIO()
    count = write(db, out)
    return out.getvalue(), count


def insert(db: Database, sql: str, rows: list[tuple[Any, ...]]) -> None:
    raw = db.engine.raw_connection()
    try:
        raw.cursor().executemany(sql, rows)
        raw.commit()
    finally:
        raw.close()


CARD_INSERT = (
    "INSERT INTO cards (id, deck_id, position, front, back, mnemonic, why, tags, source, "
    "suspended, retired, easiness, repetitions, interval, due, lapses) "
    "VALUES (?, ?, ?, ?, ?, NULL, NULL, ?, NULL, ?, ?, ?, ?, ?, ?, ?)"
)
REVIEW_INSERT = (
    "INSERT INTO reviews (id, kind, item_id, reviewed_at, day, quality, duration_ms, repeat, "
    "prev_easiness, prev_repetitions, prev_interval, prev_due, prev_lapses, prev_last_review, "
    "easiness, repetitions, interval, due, lapses) "
    "VALUES (?, ?, ?, ?, 739000, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?)"
)


@pytest.fixture
def tricky_db(db: Database) -> Database:
    """Cards and reviews whose every column holds something awkward to write as CSV."""
    decks = ["plain", "de,ck", 'de"ck', "dé\nck"]
    insert(
        db,
        "INSERT INTO decks (id, name, description, origin) VALUES (?, ?, '', 'bundled')",
        [(d, d) for d in decks],
    )
    rng = random.Random(7)
    cards = []
    for i, text in enumerate(TRICKY * 3):
        cards.append(
            (
                f"card-{i}" if i % 5 else f'odd,id"{i}',
                decks[i % len(decks)],
                rng.randint(-5, 50),
                text,
                TRICKY[(i * 7) % len(TRICKY)],
                TRICKY[(i * 3) % len(TRICKY)],
                i % 3 == 0,
                i % 11 == 0,
                EASES[i % len(EASES)],
                rng.randint(0, 30),
                rng.randint(0, 400),
                DAYS[i % len(DAYS)],
                rng.randint(0, 9),
            )
        )
    rng.shuffle(cards)  # insertion order is not id order
    insert(db, CARD_INSERT, cards)
    reviews = []
    for i in range(600):
        reviews.append(
            (
                rng.choice([i + 1, i * 1000 + 3, 2**40 + i]) if i else -5,
                rng.choice(["card", "topic", "we,ird", 'q"k', ""]),
                rng.choice([*TRICKY[:12], "c0000001", "topic-x"]),
                MOMENTS[i % len(MOMENTS)] if i < 200 else rng.randint(-(10**13), 3 * 10**14),
                rng.randint(0, 5),
                rng.randint(0, 10**9),
                i % 2,
                EASES[i % len(EASES)],
                rng.randint(0, 99),
                rng.randint(0, 10**5),
                DAYS[i % len(DAYS)],
                rng.randint(0, 40),
                EASES[(i * 5) % len(EASES)],
                rng.randint(0, 99),
                rng.randint(0, 10**5),
                DAYS[(i * 3) % len(DAYS)],
                rng.randint(0, 40),
            )
        )
    insert(db, REVIEW_INSERT, list({r[0]: r for r in reviews}.values()))
    return db


@pytest.mark.parametrize("chunk", [csv_lines._CSV_CHUNK, 1, 7])
def test_sqlite_csv_lines_are_what_csv_writer_wrote(tricky_db, monkeypatch, chunk) -> None:
    monkeypatch.setattr(csv_lines, "_CSV_CHUNK", chunk)
    cards, card_count = fast_csv(tricky_db, export.write_cards_csv)
    reviews, review_count = fast_csv(tricky_db, export.write_reviews_csv)
    assert cards == reference_csv(tricky_db, REFERENCE_CARDS, export.CARD_COLUMNS)
    assert reviews == reference_csv(tricky_db, REFERENCE_REVIEWS, export.REVIEW_COLUMNS)
    raw = tricky_db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        assert (
            card_count
            == cursor.execute("SELECT count(*) FROM cards WHERE NOT retired").fetchone()[0]
        )
        assert review_count == cursor.execute("SELECT count(*) FROM reviews").fetchone()[0]
    finally:
        raw.close()
    assert card_count > 50 and review_count > 500


def test_an_ordinary_collection_is_written_by_columns_not_sql_lines(db, monkeypatch) -> None:
    """The fast way (whole columns, quoted in Python) writes every ordinary chunk, commas,
    quotes and line breaks in the text included; the SQL lines are left for the unusual."""
    add_cards(db, 30, deck="basics", due=date(2026, 3, 1), easiness=2.36, suspended=True)
    insert(
        db,
        CARD_INSERT,
        [
            (f"x{i}", "basics", 99, text, "b", "t", 0, 0, 250, 0, 0, None, 0)
            for i, text in enumerate(["a,b", 'say "hi"', "line\nbreak"])
        ],
    )

    def no_lines(*_args: Any) -> int:
        raise AssertionError("an ordinary chunk went to the SQL lines")

    monkeypatch.setattr(csv_lines, "_write_lines", no_lines)
    monkeypatch.setattr(csv_lines, "_CSV_CHUNK", 7)
    cards, count = fast_csv(db, export.write_cards_csv)
    assert count == 33
    assert cards == reference_csv(db, REFERENCE_CARDS, export.CARD_COLUMNS)
    assert 'x1,basics,"say ""hi""",b,t,2.5,0,0,,0,False\n' in cards


@pytest.mark.parametrize(
    "front, due, easiness",
    [("the \x1e separator", 739000, 250), ("plain", 0, 250), ("plain", 739000, 250.5)],
)
def test_an_unusual_chunk_is_written_by_sql_lines(db, front, due, easiness) -> None:
    """A text holding the columns' separator, a day before year 1, a factor not in hundredths:
    that chunk goes through the SQL lines, still exactly what csv.writer wrote."""
    add_cards(db, 5, deck="basics")
    insert(db, CARD_INSERT, [("odd", "basics", 9, front, "b", "t", 0, 0, easiness, 0, 0, due, 0)])
    cards, count = fast_csv(db, export.write_cards_csv)
    assert count == 6
    assert cards == reference_csv(db, REFERENCE_CARDS, export.CARD_COLUMNS)


def test_sqlite_csv_of_an_ordinary_collection(db) -> None:
    add_cards(db, 3, deck="basics")
    add_cards(
        db,
        2,
        deck="more",
        due=date(2026, 3, 1),
        easiness=2.36,
        repetitions=3,
        interval=12,
        lapses=1,
        suspended=True,
    )
    cards, count = fast_csv(db, export.write_cards_csv)
    assert count == 5
    assert cards == reference_csv(db, REFERENCE_CARDS, export.CARD_COLUMNS)
    assert "more-004,more,front more-004,back more-004,t1 t2,2.36,3,12,2026-03-01,1,True\n" in cards


def test_empty_tables_give_just_the_header(db) -> None:
    assert fast_csv(db, export.write_cards_csv) == (",".join(export.CARD_COLUMNS) + "\n", 0)
    assert fast_csv(db, export.write_reviews_csv) == (",".join(export.REVIEW_COLUMNS) + "\n", 0)


def test_easiness_text_is_pythons_repr_for_every_stored_value() -> None:
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE t (e SMALLINT)")
    connection.executemany("INSERT INTO t VALUES (?)", [(e,) for e in range(-32768, 32768)])
    fmt, args = csv_lines._sql_easiness("e")
    rows = connection.execute(
        f"SELECT e, e / 100.0, printf('{fmt}', {', '.join(args)}), printf('%s', e / 100.0) FROM t"
    )
    for e, value, fast, plain in rows:
        assert plain == repr(value), e
        if e >= 0:
            assert fast == repr(value), e


def test_review_lines_over_many_moments_and_factors() -> None:
    """The review line on its own, over 20,000 random rows: moments anywhere in years 1 to
    9999 and beyond, every kind of easiness."""
    rng = random.Random(3)
    connection = sqlite3.connect(":memory:")
    connection.execute(
        "CREATE TABLE reviews (id INTEGER PRIMARY KEY, kind TEXT, item_id TEXT, "
        "reviewed_at BIGINT, "
        "quality INT, duration_ms INT, repeat BOOLEAN, prev_easiness SMALLINT, "
        "prev_repetitions INT, prev_interval INT, prev_due INT, prev_lapses INT, "
        "easiness SMALLINT, repetitions INT, interval INT, due INT, lapses INT)"
    )
    rows = [
        (
            i,
            "card",
            f"c{i}",
            moment,
            rng.randint(0, 5),
            rng.randint(0, 10**6),
            i % 2,
            rng.randint(-400, 32767),
            1,
            2,
            rng.choice(DAYS),
            0,
            rng.randint(0, 400),
            3,
            4,
            rng.choice(DAYS),
            1,
        )
        for i, moment in enumerate(
            MOMENTS + [rng.randint(-62_135_596_800_000, 253_402_300_799_999) for _ in range(20_000)]
        )
    ]
    connection.executemany(f"INSERT INTO reviews VALUES ({', '.join('?' * 17)})", rows)
    expected = io.StringIO()
    csv.writer(expected, lineterminator="\n").writerows(connection.execute(REFERENCE_REVIEWS))
    lines = connection.execute(f"SELECT {csv_lines._SQLITE_REVIEW_LINE} FROM reviews ORDER BY id")
    assert "".join(line for (line,) in lines) == expected.getvalue()


def test_quoted_characters_are_the_csv_modules() -> None:
    for char in map(chr, range(0, 0x3000)):
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow([f"a{char}b", "c"])
        assert out.getvalue().startswith('"') == (char in csv_lines._quoted_characters()), repr(
            char
        )


# --- .apkg -------------------------------------------------------------------------------------

STAMP = 1_700_000_000.25


def tables(package: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table in a package's collection, and its media list."""
    with zipfile.ZipFile(package) as archive:
        assert archive.namelist() == ["collection.anki2", "media"]
        collection = package.with_suffix(".anki2")
        collection.write_bytes(archive.read("collection.anki2"))
        media = archive.read("media")
    connection = sqlite3.connect(collection)
    try:
        names = [n for (n,) in connection.execute("SELECT name FROM sqlite_master ORDER BY name")]
        found = {
            name: connection.execute(f"SELECT * FROM {name} ORDER BY rowid").fetchall()
            for name in names
            if not name.startswith(("ix_", "sqlite_autoindex"))
        }
        # The schema: every table and index with its SQL (not where its pages start, which
        # moves when an index is built after its rows, as the review log's are).
        found["sqlite_master"] = connection.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        ).fetchall()
    finally:
        connection.close()
    return {**found, "media": [(media,)]}


def stamp_like_before(package: Path, schedules: list[Any]) -> Path:
    """The schedule stamping as it used to be: an UPDATE of the rows genanki wrote."""
    with zipfile.ZipFile(package) as archive:
        data = archive.read("collection.anki2")
        media = archive.read("media")
    collection = package.with_suffix(".before.anki2")
    collection.write_bytes(data)
    connection = sqlite3.connect(collection)
    (conf,) = connection.execute("SELECT conf FROM col").fetchone()
    day_settings = {**json.loads(conf), "creationOffset": 0, "rollover": 4, "schedVer": 2}
    connection.execute("UPDATE col SET crt = ?, conf = ?", (CREATED_AT, json.dumps(day_settings)))
    connection.execute(
        "CREATE TEMP TABLE s (guid TEXT PRIMARY KEY, type, queue, due, ivl, factor, reps, lapses)"
    )
    connection.executemany(
        "INSERT INTO s VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(s.guid, s.type, s.queue, s.due, s.ivl, s.factor, s.reps, s.lapses) for s in schedules],
    )
    connection.execute(
        "UPDATE cards SET type = s.type, queue = s.queue, due = s.due, ivl = s.ivl, "
        "factor = s.factor, reps = s.reps, lapses = s.lapses "
        "FROM s JOIN notes AS n ON n.guid = s.guid WHERE cards.nid = n.id"
    )
    connection.commit()
    connection.close()
    stamped = package.with_name(package.stem + ".stamped.apkg")
    with zipfile.ZipFile(stamped, "w") as archive:
        archive.write(collection, "collection.anki2")
        archive.writestr("media", media)
    return stamped


@pytest.fixture
def apkg_db(db: Database) -> Database:
    add_cards(db, 4, deck="basics")
    add_cards(
        db,
        3,
        deck="formulas",
        due=date(2026, 5, 1),
        repetitions=4,
        interval=37,
        easiness=2.18,
        lapses=3,
    )
    add_cards(
        db,
        2,
        deck="formulas",
        due=date(2026, 2, 1) - timedelta(days=2),
        repetitions=1,
        interval=1,
        easiness=1.3,
        suspended=True,
    )
    add_cards(db, 1, deck="retired", retired=True)
    insert(
        db,
        "UPDATE cards SET front = ?, back = ?, mnemonic = ?, why = ?, source = ?, "
        "tags = ? WHERE id = ?",
        [
            (
                "Is 1 < 2 & 3 > 2?",
                "Yes\nboth",
                "m <i>",
                "w",
                "<b>src</b>",
                "logic math",
                "basics-000",
            ),
            ('é,"q"', "中文", None, "", "", "", "basics-001"),
        ],
    )
    return db


def test_batched_rows_are_genankis_rows(apkg_db, tmp_path) -> None:
    import genanki

    class Batched(genanki.Package):  # type: ignore[misc]
        def write_to_db(self, cursor: Any, timestamp: float, id_gen: Any) -> None:
            batching = BatchingCursor(cursor)
            super().write_to_db(batching, timestamp, id_gen)
            batching.flush()

    decks, _, _ = export._apkg_decks(apkg_db)
    genanki.Package(decks).write_to_file(str(tmp_path / "one.apkg"), timestamp=STAMP)
    Batched(decks).write_to_file(str(tmp_path / "many.apkg"), timestamp=STAMP)
    one, many = tables(tmp_path / "one.apkg"), tables(tmp_path / "many.apkg")
    assert one == many
    assert len(one["notes"]) == len(one["cards"]) == 9


def test_scheduled_package_is_genanki_then_the_schedule_update(apkg_db, tmp_path) -> None:
    import genanki

    decks, schedules, _ = export._apkg_decks(apkg_db)
    genanki.Package(decks).write_to_file(str(tmp_path / "plain.apkg"), timestamp=STAMP)
    before = stamp_like_before(tmp_path / "plain.apkg", schedules)
    scheduled_package(decks, schedules).write_to_file(str(tmp_path / "now.apkg"), timestamp=STAMP)
    then, now = tables(before), tables(tmp_path / "now.apkg")
    assert then == now
    types = sorted((row[6], row[7]) for row in now["cards"])  # (type, queue)
    assert types == [(0, 0)] * 4 + [(2, -1)] * 2 + [(2, 2)] * 3


def test_write_apkg_counts_and_writes_every_active_card(apkg_db, tmp_path) -> None:
    assert export.write_apkg(apkg_db, tmp_path / "out.apkg") == 9
    written = tables(tmp_path / "out.apkg")
    assert len(written["notes"]) == 9
    assert {row[7] for row in written["cards"]} == {0, 2, -1}
