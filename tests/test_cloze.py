"""The cloze renderer: which gap a card hides, what its back shows, and hostile markup."""

from __future__ import annotations

from studyapp.decks.cloze import cloze_numbers, render_cloze

TEXT = "{{c1::Adam}} keeps {{c2::two moment estimates::how many?}} per {{c1::weight}}."


def test_numbers_are_the_distinct_cloze_numbers_in_order() -> None:
    assert cloze_numbers(TEXT) == (1, 2)
    assert cloze_numbers("{{c3::a}} {{c1::b}} {{c3::c}}") == (1, 3)
    assert cloze_numbers("no gaps {{c1:: here") == ()


def test_the_front_hides_only_its_own_number_and_shows_others_as_answers() -> None:
    assert render_cloze(TEXT, 1).front == "[…] keeps two moment estimates per […]."
    assert render_cloze(TEXT, 2).front == "Adam keeps [how many?] per weight."


def test_the_back_shows_everything_with_its_own_gap_marked() -> None:
    card = render_cloze(TEXT, 2)
    assert card.back == "Adam keeps two moment estimates per weight."
    assert [text for text, marked in card.back_parts if marked] == ["two moment estimates"]
    assert [text for text, marked in render_cloze(TEXT, 1).back_parts if marked] == [
        "Adam",
        "weight",
    ]


def test_nested_clozes() -> None:
    text = "{{c1::Canberra is the capital of {{c2::Australia}}}}, says the map."
    assert render_cloze(text, 1).front == "[…], says the map."
    assert render_cloze(text, 2).front == "Canberra is the capital of […], says the map."
    outer = render_cloze(text, 1)
    assert outer.back == "Canberra is the capital of Australia, says the map."
    assert [t for t, marked in outer.back_parts if marked] == [
        "Canberra is the capital of Australia"
    ]
    assert [t for t, marked in render_cloze(text, 2).back_parts if marked] == ["Australia"]


def test_unclosed_and_stray_markup_stays_as_text() -> None:
    assert render_cloze("a {{c1::b and }} c }}", 1).front == "a […] c }}"
    assert render_cloze("{{c1::open never closed", 1).front == "{{c1::open never closed"
    assert render_cloze("{{c1::x", 2).back == "{{c1::x"


def test_thousands_of_unclosed_openings_come_back_as_text() -> None:
    text = "{{c1::" * 20000 + "x" + "::" * 20000
    assert render_cloze(text, 1).front == text
    assert cloze_numbers(text) == ()
