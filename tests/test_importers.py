"""Importing CSV, TSV and Anki notes exports: cards come out right, ids are stable, and every
problem names its line."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studyapp.decks.format import DeckError
from studyapp.transfer.anki_fields import html_to_text
from studyapp.transfer.text_files import parse_import, parse_table


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_bytes(text.encode("utf-8"))
    else:
        path.write_bytes(text)
    return path


def expected_id(deck_id: str, front: str) -> str:
    """The documented rule: "imp-" and the first 12 hex digits of sha1(deck id, NUL, front)."""
    return "imp-" + hashlib.sha1(deck_id.encode() + b"\x00" + front.encode()).hexdigest()[:12]


def rows(path: Path, deck_id: str | None = None) -> list[tuple[str, str, tuple[str, ...], int]]:
    return [(c.front, c.back, c.tags, c.line) for c in parse_table(path, deck_id).cards]


def error_of(path: Path) -> DeckError:
    with pytest.raises(DeckError) as caught:
        parse_table(path)
    return caught.value


# --- CSV and TSV ----------------------------------------------------------------------------


def test_csv_with_header_and_tags(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "nn.csv",
        'Front,Back,Tags\nWhat is ReLU?,"max(0, z)",act relu\n'
        '"Sigmoid\nrange?",(0; 1),"act, sigmoid"\n\nσ′(0)?,0.25\n',
    )
    assert rows(path) == [
        ("What is ReLU?", "max(0, z)", ("act", "relu"), 2),
        ("Sigmoid\nrange?", "(0; 1)", ("act", "sigmoid"), 3),
        ("σ′(0)?", "0.25", (), 6),
    ]


def test_csv_without_header_keeps_the_first_row(tmp_path: Path) -> None:
    path = write(tmp_path, "nn.csv", "front of card,back of card\nq,a\n")
    assert rows(path) == [("front of card", "back of card", (), 1), ("q", "a", (), 2)]


def test_tsv_by_extension(tmp_path: Path) -> None:
    path = write(tmp_path, "nn.tsv", "front\tback\nLeaky ReLU slope, usually?\t0.01\n")
    assert rows(path) == [("Leaky ReLU slope, usually?", "0.01", (), 2)]


def test_tab_separated_text_is_sniffed(tmp_path: Path) -> None:
    path = write(tmp_path, "nn.txt", "He variance\t2/n_in\tinit he\n")
    assert rows(path) == [("He variance", "2/n_in", ("init", "he"), 1)]


def test_windows_line_endings(tmp_path: Path) -> None:
    path = write(tmp_path, "nn.csv", "front,back\r\nq1,a1\r\nq2,a2\r\n")
    assert rows(path) == [("q1", "a1", (), 2), ("q2", "a2", (), 3)]


def test_old_mac_line_endings(tmp_path: Path) -> None:
    """Carriage returns alone end the lines (Excel for Mac's "CSV (Macintosh)")."""
    path = write(tmp_path, "nn.csv", 'front,back\rq1,a1\r"q\r2",a2\rq3,a3')
    assert rows(path) == [("q1", "a1", (), 2), ("q\n2", "a2", (), 3), ("q3", "a3", (), 5)]


def test_semicolon_separated_with_a_header(tmp_path: Path) -> None:
    """Excel's "CSV" where the decimal mark is a comma (most of Europe)."""
    path = write(
        tmp_path,
        "nn.csv",
        'Front;Back;Tags\nWhat is ReLU?;"max(0; z)";act, relu\nLearning rate, often?;0,01;\n',
    )
    assert rows(path) == [
        ("What is ReLU?", "max(0; z)", ("act", "relu"), 2),
        ("Learning rate, often?", "0,01", (), 3),
    ]


def test_semicolon_separated_without_a_header(tmp_path: Path) -> None:
    path = write(tmp_path, "nn.csv", "Learning rate?;0,01\nMomentum?;0,9\n")
    assert rows(path) == [("Learning rate?", "0,01", (), 1), ("Momentum?", "0,9", (), 2)]
    path = write(tmp_path, "nn.csv", "q1;a1\nq2;a2\nonly a front\n")
    assert error_of(path).line == 3 and error_of(path).reason == "missing back column"


def test_commas_still_win_when_both_fit(tmp_path: Path) -> None:
    path = write(tmp_path, "nn.csv", "What is x?,a; b\nq2,c; d\n")
    assert rows(path) == [("What is x?", "a; b", (), 1), ("q2", "c; d", (), 2)]


def test_deck_id_comes_from_the_file_name_unless_given(tmp_path: Path) -> None:
    path = write(tmp_path, "My Deck (v2).csv", "q,a\n")
    deck = parse_table(path)
    assert (deck.id, deck.name) == ("my-deck-v2", "My Deck (v2)")
    assert parse_table(path, "chosen").id == "chosen"
    assert deck.digest == hashlib.sha256(path.read_bytes()).hexdigest()


def test_card_ids_are_stable_across_imports_and_edits_of_the_back(tmp_path: Path) -> None:
    first = parse_table(write(tmp_path, "nn.csv", "What is ReLU?,max(0 z)\n"))
    again = parse_table(write(tmp_path, "nn.csv", "front,back\nWhat is ReLU?,max(0; z) — edited\n"))
    assert first.cards[0].id == again.cards[0].id == expected_id("nn", "What is ReLU?")
    assert parse_table(tmp_path / "nn.csv", "other").cards[0].id == expected_id(
        "other", "What is ReLU?"
    )


def test_parse_import_reads_toml_decks_too(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "d.toml",
        '[deck]\nid = "d"\nname = "D"\n\n[[cards]]\nid = "c"\nfront = "f"\nback = "b"\n',
    )
    assert [card.id for card in parse_import(path).cards] == ["c"]
    assert parse_import(write(tmp_path, "t.csv", "f,b\n")).id == "t"


# --- errors, each with its line -------------------------------------------------------------


ERRORS = [
    ("missing back", "nn.csv", "front,back\nq1,a1\nonly a front\n", 3, "missing back column"),
    ("empty front", "nn.csv", "q1,a1\n  ,a2\n", 2, "empty front"),
    ("empty back", "nn.csv", "q1,a1\nq2,\n", 2, "empty back"),
    ("too many columns", "nn.csv", "q1,a1,t\nq2,a2,t,extra\n", 2, "too many columns (4"),
    ("after a multi-line cell", "nn.csv", '"q\n1",a1\nq2\n', 3, "missing back column"),
    ("duplicate front", "nn.csv", "q1,a1\nq2,a2\nq1,a3\n", 3, "already appears at line 1"),
    ("bad quoting", "nn.csv", 'q1,a1\n"q2"x,a2\n', 2, "cannot read the row"),
    ("tsv missing back", "nn.tsv", "q1\ta1\nq2\n", 2, "missing back column"),
    ("empty file", "nn.csv", "", None, "empty file"),
    ("blank file", "nn.csv", "\n  \n", None, "empty file"),
    ("only a header", "nn.csv", "front,back\n", None, "no cards"),
    ("anki empty front", "a.txt", "#separator:tab\n#html:true\nq\ta\n<br>\tb\n", 4, "empty front"),
    ("anki bad column", "a.txt", "#separator:tab\n#tags column:x\nq\ta\n", 2, "column number"),
    ("anki bad separator", "a.txt", "#separator:banana\nq\ta\n", 1, "unknown Anki separator"),
]


@pytest.mark.parametrize(
    ("name", "text", "line", "reason"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS]
)
def test_each_error_names_its_line(
    tmp_path: Path, name: str, text: str, line: int | None, reason: str
) -> None:
    path = write(tmp_path, name, text)
    error = error_of(path)
    assert (error.path, error.line) == (path, line)
    assert reason in error.reason


def test_invalid_utf8_names_its_line(tmp_path: Path) -> None:
    error = error_of(write(tmp_path, "nn.csv", b"q1,a1\nq2,caf\xe9\n"))
    assert error.line == 2
    assert "not UTF-8 text (byte 0xe9)" in error.reason


def test_a_windows_1252_file_is_refused_saying_how_to_save_it(tmp_path: Path) -> None:
    """Excel's plain "CSV" in Western Europe and America: curly quotes are 0x93 and 0x94."""
    text = "front,back\nq1,a1\nq2,“quoted” café\n"
    error = error_of(write(tmp_path, "nn.csv", text.encode("cp1252")))
    assert error.line == 3 and "\n" not in str(error)
    assert error.reason == (
        "not UTF-8 text (byte 0x93); save it as UTF-8 (in Excel: Save As, "
        "CSV UTF-8) and import again"
    )


def test_an_invalid_deck_id_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DeckError, match="not a valid id"):
        parse_table(write(tmp_path, "nn.csv", "q,a\n"), "has space")


# --- Anki notes export ----------------------------------------------------------------------


def test_anki_notes_export_with_html_and_tags(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "anki.txt",
        "#separator:tab\n#html:true\n#tags column:3\n"
        "Sigmoid<br>derivative?\tσ(z)(1 &minus; σ(z))<br/>max 0.25\tactivation sigmoid\n"
        '"Two\tcells?"\t<div>yes</div><div>quoted</div>\t\n',
    )
    assert rows(path) == [
        ("Sigmoid\nderivative?", "σ(z)(1 − σ(z))\nmax 0.25", ("activation", "sigmoid"), 4),
        ("Two\tcells?", "yes\nquoted", (), 5),
    ]


def test_anki_export_with_guid_notetype_and_deck_columns(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "anki.txt",
        "#separator:comma\n#html:false\n#guid column:1\n#notetype column:2\n"
        "#deck column:3\n#tags column:6\n#deck:Neural nets\n"
        "g1,Basic,NN,What is He init?,Var = 2/n_in,init\n"
        'g2,Basic (and reversed),NN,"a, b",<b>kept</b>,\n',
    )
    deck = parse_table(path)
    assert deck.name == "NN"  # the deck column wins over the `#deck:` default, as in Anki
    assert rows(path) == [
        ("What is He init?", "Var = 2/n_in", ("init",), 8),
        ("a, b", "<b>kept</b>", (), 9),
        ("<b>kept</b>", "a, b", (), 9),  # a reversed note type gives the reverse card too
    ]


def test_anki_extra_fields_join_the_back(tmp_path: Path) -> None:
    path = write(tmp_path, "anki.txt", "#separator:tab\n#html:true\nq\ta\tmore&amp;more\t\n")
    assert rows(path) == [("q", "a\nmore&more", (), 3)]


def test_html_to_text() -> None:
    assert html_to_text("a<br>b<BR />c") == "a\nb\nc"
    assert html_to_text('<span style="x">x &lt; y</span>&nbsp;z') == "x < y z"
    assert html_to_text("<p>one</p><p>two</p>") == "one\ntwo"
    assert html_to_text('<div><img class="x" src="chat.png"></div>') == "[image: chat.png]"
    assert html_to_text("see <IMG SRC='a b.jpg' />") == "see [image: a b.jpg]"


# --- nothing but DeckError -----------------------------------------------------------------


CSVISH = st.lists(
    st.sampled_from(
        [
            ",",
            "\t",
            '"',
            "\n",
            "\r\n",
            "\r",
            " ",
            "front",
            "back",
            "tags",
            "q",
            "a",
            "é",
            "\x00",
            "#separator:tab\n",
            "#html:true\n",
            "#tags column:2\n",
            "#separator:x\n",
            "<br>",
            "&amp;",
            ";",
            "#",
        ]
    ),
    max_size=40,
).map("".join)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=CSVISH, suffix=st.sampled_from([".csv", ".tsv", ".txt"]))
def test_random_csv_text_raises_only_deck_errors(tmp_path: Path, text: str, suffix: str) -> None:
    path = write(tmp_path, "random" + suffix, text)
    try:
        deck = parse_table(path)
    except DeckError as error:
        assert error.path == path
    else:
        for card in deck.cards:
            assert card.front and card.back
            assert re.fullmatch(r"imp-[0-9a-f]{12}", card.id)
        assert len({card.id for card in deck.cards}) == len(deck.cards)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=300))
def test_random_bytes_raise_only_deck_errors(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path, "random.csv", data)
    try:
        parse_table(path)
    except DeckError as error:
        assert error.path == path


def test_a_row_shorter_than_its_tags_column_imports_without_tags(tmp_path) -> None:
    """Found by the hostile-input fuzzing: a row that stops before `#tags column` was an
    IndexError; it is a card with no tags."""
    from studyapp.transfer.text_files import read_text_import

    path = tmp_path / "short.txt"
    path.write_text("#separator:tab\n#tags column:3\nfront\tback\n", encoding="utf-8")
    table = read_text_import(path, None)
    (deck,) = table.decks
    assert [(c.front, c.back, c.tags) for c in deck.cards] == [("front", "back", ())]
    assert table.skipped == []
