"""Deck files: a good one parses to exactly what it says; each kind of mistake is reported
with the file, the line a person would look at, and the reason."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studyapp.decks import format as content
from studyapp.decks.format import (
    CardSpec,
    DeckError,
    DeckSpec,
    SourceRef,
    load_decks,
    parse_deck,
)
from studyapp.decks.freshness import file_digest

GOOD = """\
# A small deck used by the tests.
[deck]
id = "tiny"
name = "Tiny deck"
description = "Two cards."

[[cards]]
id = "tiny-relu"
front = "ReLU′(z) for z > 0?"
back = \"\"\"1.
[[cards]] inside a string is not a header.\"\"\"
mnemonic = "hinge"
why = "  slope one  "
tags = ["activation", "relu", "relu"]
source = "001_9b016ee9fe251ca9.txt"

[[cards]]
id = "tiny.sigmoid_range"
front = 'σ(z) range?'
back = "(0, 1)"
"""


def write(tmp_path: Path, text: str | bytes, name: str = "deck.toml") -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


def error_of(path: Path) -> DeckError:
    with pytest.raises(DeckError) as caught:
        parse_deck(path)
    return caught.value


HEAD = '[deck]\nid = "d"\nname = "D"\n\n'  # lines 1-4; the first [[cards]] goes on line 5


# --- the good deck ------------------------------------------------------------------------


def test_good_deck_parses_to_the_expected_specs(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    deck = parse_deck(path)
    assert deck == DeckSpec(
        id="tiny",
        name="Tiny deck",
        description="Two cards.",
        path=path,
        digest=hashlib.sha256(GOOD.encode("utf-8")).hexdigest(),
        cards=(
            CardSpec(
                id="tiny-relu",
                front="ReLU′(z) for z > 0?",
                back="1.\n[[cards]] inside a string is not a header.",
                mnemonic="hinge",
                why="slope one",
                tags=("activation", "relu"),
                source="001_9b016ee9fe251ca9.txt",
                line=7,
                sources=(SourceRef("001_9b016ee9fe251ca9.txt"),),
            ),
            CardSpec(
                id="tiny.sigmoid_range",
                front="σ(z) range?",
                back="(0, 1)",
                mnemonic=None,
                why=None,
                tags=(),
                source=None,
                line=17,
            ),
        ),
    )


def test_digest_is_the_sha256_of_the_file_bytes(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    expected = hashlib.sha256(path.read_bytes()).hexdigest()
    assert file_digest(path) == expected == parse_deck(path).digest
    write(tmp_path, GOOD + "\n# edited\n")
    assert file_digest(path) != expected


def test_a_deck_without_cards_and_description_is_fine(tmp_path: Path) -> None:
    deck = parse_deck(write(tmp_path, '[deck]\nid = "empty"\nname = "Empty"\n'))
    assert (deck.id, deck.name, deck.description, deck.cards) == ("empty", "Empty", "", ())


def test_a_byte_order_mark_is_tolerated(tmp_path: Path) -> None:
    path = write(tmp_path, b"\xef\xbb\xbf" + GOOD.encode("utf-8"))
    assert parse_deck(path).id == "tiny"


def test_error_text_is_path_line_reason(tmp_path: Path) -> None:
    assert str(DeckError(tmp_path / "a.toml", 3, "bad")) == f"{tmp_path / 'a.toml'}:3: bad"
    assert str(DeckError(tmp_path / "a.toml", None, "bad")) == f"{tmp_path / 'a.toml'}: bad"


# --- each mistake, with its line ----------------------------------------------------------


CASES = [
    # (name, text, expected line, words expected in the reason)
    ("syntax", HEAD + '[[cards]]\nid = "a"\nfront = "oops\nback = "b"\n', 7, "TOML syntax error"),
    ("duplicate key", '[deck]\nid = "d"\nid = "e"\n', 3, "TOML syntax error"),
    ("missing deck id", '# x\n[deck]\nname = "D"\n', 2, "missing required field 'id'"),
    ("missing deck name", '[deck]\nid = "d"\n', 1, "missing required field 'name'"),
    ("empty deck name", '[deck]\nid = "d"\nname = "  "\n', 3, "'name' is empty"),
    ("deck id not a string", '[deck]\nid = 7\nname = "D"\n', 2, "must be a string, not an integer"),
    ("bad deck id", '[deck]\nid = "my deck"\nname = "D"\n', 2, "not a valid id"),
    (
        "unknown deck key",
        '[deck]\nid = "d"\nname = "D"\ntitle = "T"\n',
        4,
        "unknown deck field 'title'",
    ),
    ("deck as array", '[[deck]]\nid = "d"\nname = "D"\n', 1, "'deck' must be a table"),
    ("unknown top key", HEAD + "[extra]\nx = 1\n", 5, "unknown top-level key 'extra'"),
    ("cards as table", HEAD + '[cards]\nid = "a"\n', 5, "'cards' must be an array of tables"),
    (
        "missing front",
        HEAD + '[[cards]]\nid = "a"\nback = "b"\n',
        5,
        "missing required field 'front'",
    ),
    ("missing id", HEAD + '[[cards]]\nfront = "f"\nback = "b"\n', 5, "missing required field 'id'"),
    ("empty back", HEAD + '[[cards]]\nid = "a"\nfront = "f"\nback = " "\n', 8, "'back' is empty"),
    (
        "front not a string",
        HEAD + '[[cards]]\nid = "a"\nfront = 3\nback = "b"\n',
        7,
        "'front' must be a string, not an integer",
    ),
    (
        "why not a string",
        HEAD + '[[cards]]\nid = "a"\nfront = "f"\nback = "b"\nwhy = ["x"]\n',
        9,
        "'why' must be a string, not an array",
    ),
    (
        "tags not a list",
        HEAD + '[[cards]]\nid = "a"\nfront = "f"\nback = "b"\ntags = "x"\n',
        9,
        "'tags' must be an array of strings",
    ),
    (
        "tag not a string",
        HEAD + '[[cards]]\nid = "a"\nfront = "f"\nback = "b"\ntags = [\n  "x",\n  1,\n]\n',
        9,
        "'tags' must be an array of strings",
    ),
    (
        "tag with a space",
        HEAD + '[[cards]]\nid = "a"\nfront = "f"\nback = "b"\ntags = ["two words"]\n',
        9,
        "one word",
    ),
    (
        "typo in a key",
        HEAD + '[[cards]]\nid = "a"\nfrnt = "f"\nback = "b"\n',
        7,
        "unknown card field 'frnt'",
    ),
    (
        "id with a space",
        HEAD + '[[cards]]\nid = "a b"\nfront = "f"\nback = "b"\n',
        6,
        "not a valid id",
    ),
    (
        "id with a slash",
        HEAD + '[[cards]]\nid = "a/b"\nfront = "f"\nback = "b"\n',
        6,
        "not a valid id",
    ),
    (
        "duplicate id",
        HEAD + '[[cards]]\nid = "a"\nfront = "f"\nback = "b"\n\n'
        '[[cards]]\nid = "a"\nfront = "g"\nback = "c"\n',
        11,
        "duplicate card id 'a' (first used at line 6)",
    ),
    (
        "second card bad",
        HEAD + '[[cards]]\nid = "a"\nfront = "f"\nback = "b"\n\n[[cards]]\nid = "b"\nfront = "g"\n',
        10,
        "missing required field 'back'",
    ),
    (
        "header in a string",
        HEAD + '[[cards]]\nid = "a"\nfront = """\n[[cards]]\n"""\nback = "b"\n\n'
        '[[cards]]\nid = "b"\nfront = "g"\n',
        12,
        "missing required field 'back'",
    ),
    ("empty file", "", None, "missing [deck] table"),
    (
        "no deck table",
        '[[cards]]\nid = "a"\nfront = "f"\nback = "b"\n',
        None,
        "missing [deck] table",
    ),
]


@pytest.mark.parametrize(
    ("text", "line", "reason"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_mistake_is_reported_with_its_line(
    tmp_path: Path, text: str, line: int | None, reason: str
) -> None:
    path = write(tmp_path, text)
    error = error_of(path)
    assert error.path == path
    assert error.line == line
    assert reason in error.reason
    where = f"{path}:{line}" if line is not None else f"{path}"
    assert str(error) == f"{where}: {error.reason}"


def test_invalid_utf8_names_the_line_of_the_bad_byte(tmp_path: Path) -> None:
    data = HEAD.encode() + b'[[cards]]\nid = "a"\nfront = "caf\xe9"\nback = "b"\n'
    error = error_of(write(tmp_path, data))
    assert error.line == 7
    assert "invalid UTF-8" in error.reason


def test_a_file_over_the_size_cap_is_refused_unread(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD.encode() + b"#" * content.MAX_DECK_BYTES)
    error = error_of(path)
    assert error.line is None
    assert "larger than" in error.reason


def test_a_missing_file_is_a_deck_error(tmp_path: Path) -> None:
    error = error_of(tmp_path / "nowhere.toml")
    assert error.line is None
    assert "cannot read" in error.reason


# --- a folder of decks --------------------------------------------------------------------


def test_a_bad_deck_beside_a_good_one_does_not_stop_it(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "a_good.toml")
    write(tmp_path, HEAD + '[[cards]]\nid = "x"\nfrnt = "f"\n', "b_bad.toml")
    write(tmp_path, "not a deck", "notes.txt")
    decks, errors = load_decks(tmp_path)
    assert [deck.id for deck in decks] == ["tiny"]
    assert [(e.path.name, e.line) for e in errors] == [("b_bad.toml", 7)]


def test_a_card_id_used_in_two_files_names_both_places(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "a.toml")
    write(
        tmp_path,
        '[deck]\nid = "other"\nname = "O"\n\n[[cards]]\nid = "tiny-relu"\n'
        'front = "f"\nback = "b"\n',
        "b.toml",
    )
    decks, errors = load_decks(tmp_path)
    assert [deck.id for deck in decks] == ["tiny"]
    (error,) = errors
    assert (error.path.name, error.line) == ("b.toml", 5)
    assert f"{tmp_path / 'a.toml'}:7" in error.reason


def test_a_deck_id_used_in_two_files_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, '[deck]\nid = "same"\nname = "A"\n', "a.toml")
    write(tmp_path, '[deck]\nid = "same"\nname = "B"\n', "b.toml")
    decks, errors = load_decks(tmp_path)
    assert [deck.name for deck in decks] == ["A"]
    assert [e.path.name for e in errors] == ["b.toml"]
    assert "already used" in errors[0].reason


def test_a_missing_folder_is_reported_not_raised(tmp_path: Path) -> None:
    decks, errors = load_decks(tmp_path / "nowhere")
    assert decks == []
    assert len(errors) == 1


# --- nothing but DeckError, whatever the input ---------------------------------------------


FRAGMENTS = st.sampled_from(
    [
        "[deck]",
        "[[cards]]",
        "[cards]",
        "[[deck]]",
        "[deck.x]",
        "id",
        "front",
        "back",
        "tags",
        "why",
        "frnt",
        "name",
        " = ",
        "=",
        '"',
        "'",
        '"""',
        "'''",
        "\\",
        "#",
        "\n",
        "\r\n",
        " ",
        "[",
        "]",
        "{",
        "}",
        ",",
        "1",
        "1979-05-27",
        "true",
        "é",
        "\x00",
        "\x7f",
        '"x"',
        "[1, 2]",
        '["a", "b"]',
        "a b",
        ".",
        "inf",
        "\t",
    ]
)
TOMLISH = st.lists(FRAGMENTS, max_size=60).map("".join)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=400))
def test_random_bytes_raise_only_deck_errors(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path, data)
    try:
        parse_deck(path)
    except DeckError as error:
        assert str(error).startswith(str(path))


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=TOMLISH)
def test_random_toml_like_text_raises_only_deck_errors(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, HEAD + text)
    try:
        deck = parse_deck(path)
    except DeckError as error:
        assert error.line is None or 1 <= error.line <= (HEAD + text).count("\n") + 2
    else:
        assert all(card.id and card.front and card.back for card in deck.cards)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(texts=st.lists(TOMLISH, min_size=1, max_size=3))
def test_load_decks_never_raises(tmp_path: Path, texts: list[str]) -> None:
    folder = tmp_path / "decks"
    folder.mkdir(exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    for i, text in enumerate(texts):
        write(folder, HEAD.replace('"d"', f'"d{i}"') + text, f"{i}.toml")
    decks, errors = load_decks(folder)
    assert len(decks) + len(errors) == len(texts)


def test_a_huge_bad_value_gives_a_short_message(tmp_path) -> None:
    path = tmp_path / "long.toml"
    bad_id = "x y" * 2000
    path.write_text(
        f'[deck]\nid = "long"\nname = "Long"\n\n'
        f'[[cards]]\nid = "{bad_id}"\nfront = "q"\nback = "a"\n'
    )
    with pytest.raises(DeckError) as caught:
        parse_deck(path)
    message = str(caught.value)
    assert (
        message.startswith(f"{path}:6: card id 'x yx y")
        and len(message) < 300 + len(str(path)) + 10
    )
    assert message.endswith("…")
