"""The bundled decks: they load cleanly, cover the seeds, and are written in our own words."""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path

import pytest

from studyapp.decks.format import (
    CardSpec,
    DeckError,
    DeckSpec,
    SourceRef,
    load_decks,
    parse_text,
)
from studyapp.decks.seeds import heading_key, load_seeds, source_line, sources_line

REPO = Path(__file__).resolve().parent.parent
CONTENT = REPO / "content"
SEED_FILES = {
    "000_d2aab639bad9f743.txt",
    "001_9b016ee9fe251ca9.txt",
    "002_546d246df68e4ade.txt",
    "003_3eeb63ec87ed1e0c.txt",
    "004_79820f2c78e41ff3.txt",
}
SEED_FOLDERS = (REPO.parent / "shared" / "seeds", Path("/work/shared/seeds"))
SEEDS = Path(
    os.environ.get("STUDYAPP_SEEDS")
    or next((f for f in SEED_FOLDERS if f.is_dir()), SEED_FOLDERS[0])
)
"""The seed texts live outside the repository, beside the checkout (or in the shared folder of
a worktree's machine); STUDYAPP_SEEDS points elsewhere. Without them the copy checks skip."""
needs_seeds = pytest.mark.skipif(
    not all((SEEDS / name).is_file() for name in SEED_FILES),
    reason=f"seed texts not found in {SEEDS} (set STUDYAPP_SEEDS)",
)
SEED_000_TRICKS = {
    "trick-wise": "WISE",
    "trick-silly-tom": "Silly Tom Really Likes",
    "trick-iho": "IHO",
    "trick-river-of-regret": "river of regret",
    "trick-drop": "DROP",
    "trick-four-regularizers": "four regularization tools",
    "trick-bland": "BLAND",
    "trick-zero-init-symmetry": "zero init",
    "trick-xavier-he": "Xavier",
    "trick-vanish-or-explode": "vanish or explode",
    "trick-spotlight": "spotlight",
    "trick-batch-across-layer-within": "Batch across, layer within",
    "trick-optimizer-lineage": "SGD → Momentum → RMSProp → Adam",
}
WINDOW = 8


@cache
def bundled() -> tuple[list[DeckSpec], list[str]]:
    decks, errors = load_decks(CONTENT)
    return decks, [str(error) for error in errors]


def all_cards() -> list[CardSpec]:
    return [card for deck in bundled()[0] for card in deck.cards]


def words(text: str) -> list[str]:
    """Lower-case words of two or more letters: punctuation, digits and symbols drop out,
    so a copied sentence is caught however its spacing or quoting was changed."""
    return re.findall(r"[a-z]{2,}", text.lower())


@cache
def seed_windows() -> dict[str, str]:
    """Every run of WINDOW consecutive words in the seeds, with the seed it comes from."""
    windows: dict[str, str] = {}
    for name in sorted(SEED_FILES):
        tokens = words((SEEDS / name).read_text(encoding="utf-8"))
        for i in range(len(tokens) - WINDOW + 1):
            windows.setdefault(" ".join(tokens[i : i + WINDOW]), name)
    return windows


def test_every_bundled_deck_loads_without_errors() -> None:
    decks, errors = bundled()
    assert errors == []
    assert len(decks) >= 12


def test_there_are_enough_cards_and_each_deck_has_some() -> None:
    decks, _ = bundled()
    assert sum(len(deck.cards) for deck in decks) >= 150
    for deck in decks:
        assert len(deck.cards) >= 5, deck.id


def test_deck_ids_match_file_names_and_are_unique() -> None:
    decks, _ = bundled()
    assert [deck.path.stem for deck in decks] == [deck.id for deck in decks]
    assert len({deck.id for deck in decks}) == len(decks)


def test_card_ids_are_unique_across_all_decks() -> None:
    ids = [card.id for card in all_cards()]
    duplicates = sorted({card_id for card_id in ids if ids.count(card_id) > 1})
    assert duplicates == []


def test_no_two_cards_ask_the_same_question() -> None:
    notes = {card.note_id or card.id: card for card in all_cards() if card.template != "reverse"}
    fronts = [card.front.lower() for card in notes.values()]
    assert len(set(fronts)) == len(fronts)


def test_the_content_readme_lists_every_deck_with_its_card_count() -> None:
    readme = (CONTENT / "README.md").read_text(encoding="utf-8")
    listed = dict(re.findall(r"^\| `([a-z_]+)\.toml` \| (\d+) \|", readme, flags=re.MULTILINE))
    assert listed == {deck.id: str(len(deck.cards)) for deck in bundled()[0]}


def test_every_card_names_a_seed_as_its_source_or_says_it_is_in_none() -> None:
    stray = [
        (card.id, card.source)
        for card in all_cards()
        if any(ref.seed not in SEED_FILES for ref in card.sources)
        or not (card.sources or card.no_seed)
    ]
    assert stray == []


def test_seeds_toml_gives_every_seed_a_short_title_and_its_headings() -> None:
    seeds = load_seeds(CONTENT)
    assert set(seeds) == SEED_FILES
    titles = {seed.title for seed in seeds.values()}
    assert titles == {"Memory tricks", "Math notes", "Tutorial", "Study guide", "Cheat sheet"}
    assert all(len(seed.sections) >= 10 for seed in seeds.values())


def test_every_card_names_a_heading_of_its_seed_as_its_section() -> None:
    seeds = load_seeds(CONTENT)
    headings = {name: {heading_key(h) for h in seed.sections} for name, seed in seeds.items()}
    stray = [
        (card.id, ref.section)
        for card in all_cards()
        for ref in card.sources
        if ref.section is None or heading_key(ref.section) not in headings.get(ref.seed, ())
    ]
    assert stray == []


@needs_seeds
def test_every_heading_in_seeds_toml_is_a_heading_line_of_its_seed() -> None:
    for name, seed in load_seeds(CONTENT).items():
        lines = {heading_key(line) for line in (SEEDS / name).read_text("utf-8").splitlines()}
        missing = [h for h in seed.sections if heading_key(h) not in lines]
        assert missing == [], name


def test_headings_compare_without_numbering_case_or_spacing() -> None:
    assert heading_key("3.3  Softmax cross-entropy") == heading_key("softmax cross-entropy")
    assert heading_key("8. Softmax") == heading_key("Softmax")
    assert heading_key("// Positional Encoding") == heading_key("Positional  encoding")
    assert heading_key("Softmax") != heading_key("Softmax cross-entropy")


def test_the_source_line_names_the_seed_title_and_section_never_the_file() -> None:
    seeds = load_seeds(CONTENT)
    cheat = "004_79820f2c78e41ff3.txt"
    assert source_line(seeds, cheat, "Loss Functions") == "Cheat sheet · Loss Functions"
    assert source_line(seeds, cheat, None) == "Cheat sheet"
    assert source_line(seeds, "my notes.apkg", None) == "my notes.apkg"  # an import's own
    assert source_line(seeds, None, None) is None


def test_a_card_may_name_its_section() -> None:
    text = '[deck]\nid = "d"\nname = "D"\n[[cards]]\nid = "c"\nfront = "F"\nback = "B"\n'
    text += 'source = "004_79820f2c78e41ff3.txt"\nsection = "  Loss Functions "\n'
    deck = parse_text(Path("d.toml"), text.encode(), text)
    assert deck.cards[0].section == "Loss Functions"


def test_every_seed_is_used() -> None:
    assert {ref.seed for card in all_cards() for ref in card.sources} == SEED_FILES


@pytest.mark.parametrize(("card_id", "hook"), sorted(SEED_000_TRICKS.items()))
def test_each_seed_000_trick_has_a_mnemonic_card(card_id: str, hook: str) -> None:
    cards = {card.id: card for card in all_cards()}
    assert card_id in cards
    card = cards[card_id]
    assert "mnemonic" in card.tags
    assert card.mnemonic
    assert card.source == "000_d2aab639bad9f743.txt"
    assert hook.lower() in (card.front + card.back + card.mnemonic).lower()


def test_cards_are_short_enough_to_review_daily() -> None:
    for card in all_cards():
        assert "\n" not in card.front and len(card.front) <= 220, card.id
        assert card.back.count("\n") <= 5 and len(card.back) <= 500, card.id
        assert card.why is None or len(card.why) <= 300, card.id


@needs_seeds
def test_no_card_copies_an_eight_word_run_from_a_seed() -> None:
    windows = seed_windows()
    assert len(windows) > 5000  # the seeds were really read
    copied = []
    for card in all_cards():
        for field in ("front", "back", "why"):
            tokens = words(getattr(card, field) or "")
            for i in range(len(tokens) - WINDOW + 1):
                run = " ".join(tokens[i : i + WINDOW])
                if run in windows:
                    copied.append(f"{card.id}.{field}: '{run}' ({windows[run]})")
    assert copied == []


@needs_seeds
def test_the_copy_check_would_catch_a_pasted_sentence() -> None:
    pasted = (
        "Without activation functions, stacking layers is pointless -- "
        "still just one linear function"
    )
    tokens = words(pasted)
    runs = {" ".join(tokens[i : i + WINDOW]) for i in range(len(tokens) - WINDOW + 1)}
    assert runs & set(seed_windows())


def _one_card(body: str) -> CardSpec:
    text = f'[deck]\nid = "d"\nname = "D"\n[[cards]]\nid = "c"\n{body}'
    return parse_text(Path("d.toml"), text.encode(), text).cards[0]


def test_a_card_may_name_several_sources_each_with_its_section() -> None:
    card = _one_card(
        'front = "F"\nback = "B"\nsources = [\n'
        '  { seed = "002_546d246df68e4ade.txt", section = "Sigmoid (Logistic)" },\n'
        '  { seed = "004_79820f2c78e41ff3.txt", section = " Activation Functions " },\n]\n'
    )
    assert card.sources == (
        SourceRef("002_546d246df68e4ade.txt", "Sigmoid (Logistic)"),
        SourceRef("004_79820f2c78e41ff3.txt", "Activation Functions"),
    )
    assert (card.source, card.section) == ("002_546d246df68e4ade.txt", "Sigmoid (Logistic)")
    assert card.no_seed is None


def test_one_source_is_still_written_as_source_and_section() -> None:
    card = _one_card('front = "F"\nback = "B"\nsource = "s.txt"\nsection = "S"\n')
    assert card.sources == (SourceRef("s.txt", "S"),)


def test_a_fact_in_no_seed_says_where_it_comes_from_alone_or_beside_sources() -> None:
    alone = _one_card('front = "F"\nback = "B"\nno_seed = " PyTorch docs: nn.Dropout "\n')
    assert (alone.sources, alone.source, alone.no_seed) == ((), None, "PyTorch docs: nn.Dropout")
    beside = _one_card(
        'cloze = "{{c1::x}}"\nsources = [{ seed = "s.txt", section = "S" }]\nno_seed = "R"\n'
    )
    assert (beside.sources, beside.no_seed, beside.section) == (
        (SourceRef("s.txt", "S"),),
        "R",
        "S",
    )


@pytest.mark.parametrize(
    ("body", "reason", "line"),
    [
        ('sources = [{ seed = "s" }]\nsource = "t"\n', "either 'source' or 'sources'", 9),
        ('sources = [{ seed = "s" }]\nsection = "t"\n', "either 'section' or 'sources'", 9),
        ("sources = []\n", "non-empty array", 8),
        ('sources = "s"\n', "non-empty array", 8),
        ('sources = ["s"]\n', "must be a table, not a string", 8),
        ('sources = [{ section = "S" }]\n', "missing required field 'seed'", 8),
        ('sources = [{ seed = "s", sektion = "S" }]\n', "unknown source field 'sektion'", 8),
        ("no_seed = 3\n", "'no_seed' must be a string", 8),
    ],
)
def test_a_wrong_source_is_an_error_at_its_line(body: str, reason: str, line: int) -> None:
    text = f'[deck]\nid = "d"\nname = "D"\n[[cards]]\nid = "c"\nfront = "F"\nback = "B"\n{body}'
    with pytest.raises(DeckError) as raised:
        parse_text(Path("d.toml"), text.encode(), text)
    assert reason in raised.value.reason
    assert raised.value.line == line


def test_a_cloze_keeps_its_section() -> None:
    card = _one_card('cloze = "{{c1::x}}"\nsource = "s.txt"\nsection = "S"\n')
    assert card.section == "S"


def test_the_source_line_lists_every_source_then_what_is_in_no_seed() -> None:
    seeds = load_seeds(CONTENT)
    refs = (
        SourceRef("004_79820f2c78e41ff3.txt", "Loss Functions"),
        SourceRef("002_546d246df68e4ade.txt", "Sigmoid (Logistic)"),
    )
    both = "Cheat sheet · Loss Functions; Tutorial · Sigmoid (Logistic)"
    assert sources_line(seeds, refs, None) == both
    assert sources_line(seeds, refs, "PyTorch docs") == both + "; not in the seeds: PyTorch docs"
    assert sources_line(seeds, (), "PyTorch docs") == "not in the seeds: PyTorch docs"
    assert sources_line(seeds, (), None) is None
