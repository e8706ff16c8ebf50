"""The rules every bundled card keeps (content/README.md, "The rules a card keeps"):
one fact per card within word limits, sources that exist, and no close paraphrase of a seed.

Each rule lists every card that breaks it, so one run shows all the work left. `PENDING`
holds the ids that broke a rule when the rules were written and are being rewritten; an id on
it is reported as a warning, not a failure, and must come off the list once its card passes
(a listed card that passes fails the test, so the list only shrinks).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path

import pytest

from studyapp.decks.cloze import render_cloze
from studyapp.decks.format import CardSpec, SourceRef, load_decks, parse_text
from studyapp.decks.seeds import heading_key, load_seeds

from .test_decks import CONTENT, SEED_FILES, SEEDS, needs_seeds

FRONT_WORDS = 20
BACK_WORDS = 35
BACK_ITEMS = 3
WHY_WORDS = 35
MNEMONIC_WORDS = 15
CLOZE_WORDS = 45
GAP_WORDS = 6
"""What one cloze number may hide in all: a term, a formula, a short phrase."""
NEAR_WINDOW = 10
NEAR_EDITS = 3
"""A near-copy: NEAR_WINDOW words of a card that equal a run of a seed but for at most
NEAR_EDITS words swapped, added or left out (after light stemming)."""

PENDING: dict[str, frozenset[str]] = {
    "content-a": frozenset(),
    "content-b": frozenset(),
}
"""Cards not yet rewritten, by the helper rewriting them; each list only ever shrinks."""


# --- the cards ------------------------------------------------------------------------------


@cache
def notes() -> tuple[CardSpec, ...]:
    """One card per note: a reversed pair or a cloze's gaps are written once in the file."""
    decks, errors = load_decks(CONTENT)
    assert errors == []
    seen: set[str] = set()
    out: list[CardSpec] = []
    for deck in decks:
        for card in deck.cards:
            note = card.note_id or card.id
            if note not in seen:
                seen.add(note)
                out.append(card)
    return tuple(out)


def note_id(card: CardSpec) -> str:
    return card.note_id or card.id


def plain_cloze(text: str) -> str:
    """A cloze text with every gap filled in and the markup gone."""
    return render_cloze(text, 0).front


def count_words(text: str) -> int:
    """Words as a reader counts them: anything between spaces with a letter or digit in it
    (a formula such as dy/dx counts one, a dash or = none)."""
    return sum(1 for token in text.split() if re.search(r"\w", token))


_BULLET = re.compile(r"^\s*(?:[-•*·]|\(?\d+[.)])\s+", re.MULTILINE)
_NUMBERED = re.compile(r"(?:^|\s)\(?(\d)[.)]\s")


def listed_items(text: str) -> int:
    """How many items a back lists: bullet or numbered lines, inline (1) (2) … markers, or
    the parts between semicolons, whichever is most."""
    bullets = len(_BULLET.findall(text))
    numbered = len(_NUMBERED.findall(text))
    parts = len([part for part in re.split(r";\s", text) if part.strip()])
    return max(bullets, numbered, parts)


_MANY = re.compile(
    r"\b(?:the|name|list)\s+(four|five|six|seven|eight|nine|ten|eleven|twelve|[4-9]|1\d)\b",
    re.IGNORECASE,
)


def size_problems(card: CardSpec) -> list[str]:
    """Why this note is not one fact within the word limits (empty when it is)."""
    found: list[str] = []
    if card.template == "cloze":
        words = count_words(plain_cloze(card.front))
        if words > CLOZE_WORDS:
            found.append(f"cloze has {words} words (> {CLOZE_WORDS})")
        numbers = sorted({c.ordinal for c in notes_of(card) if c.ordinal is not None})
        for number in numbers:
            hidden = " ".join(
                t for t, marked in render_cloze(card.front, number).back_parts if marked
            )
            if count_words(hidden) > GAP_WORDS:
                found.append(f"c{number} hides {count_words(hidden)} words (> {GAP_WORDS})")
        if card.back and count_words(card.back) > BACK_WORDS:
            found.append(f"extra has {count_words(card.back)} words (> {BACK_WORDS})")
    else:
        if count_words(card.front) > FRONT_WORDS:
            found.append(f"front has {count_words(card.front)} words (> {FRONT_WORDS})")
        if card.front.count("?") > 1:
            found.append("front asks more than one question")
        many = _MANY.search(card.front)
        if many:
            found.append(f"front asks for {many.group(0)!r}: make it a cloze or several cards")
        if count_words(card.back) > BACK_WORDS:
            found.append(f"back has {count_words(card.back)} words (> {BACK_WORDS})")
        if listed_items(card.back) > BACK_ITEMS:
            found.append(f"back lists {listed_items(card.back)} items (> {BACK_ITEMS})")
    if card.why and count_words(card.why) > WHY_WORDS:
        found.append(f"why has {count_words(card.why)} words (> {WHY_WORDS})")
    if card.mnemonic and count_words(card.mnemonic) > MNEMONIC_WORDS:
        found.append(f"mnemonic has {count_words(card.mnemonic)} words (> {MNEMONIC_WORDS})")
    return found


@cache
def _siblings() -> dict[str, tuple[CardSpec, ...]]:
    decks, _ = load_decks(CONTENT)
    by_note: dict[str, list[CardSpec]] = {}
    for deck in decks:
        for card in deck.cards:
            by_note.setdefault(note_id(card), []).append(card)
    return {note: tuple(cards) for note, cards in by_note.items()}


def notes_of(card: CardSpec) -> tuple[CardSpec, ...]:
    return _siblings().get(note_id(card), (card,))


def source_problems(card: CardSpec) -> list[str]:
    """Why this note's sources cannot be trusted (empty when every one exists)."""
    seeds = load_seeds(CONTENT)
    if not card.sources and not card.no_seed:
        return ["names no source and no no_seed reason"]
    found: list[str] = []
    for ref in card.sources:
        seed = seeds.get(ref.seed)
        if seed is None:
            found.append(f"{ref.seed!r} is not a seed listed in seeds.toml")
        elif ref.section is None:
            found.append(f"{ref.seed} has no section")
        elif heading_key(ref.section) not in {heading_key(h) for h in seed.sections}:
            found.append(f"{ref.section!r} is not a heading of {ref.seed}")
    return found


# --- near-copies ----------------------------------------------------------------------------

_SUFFIXES = ("ing", "ed", "es", "e", "s")
_STOP = frozenset(
    [
        "the",
        "a",
        "an",
        "of",
        "to",
        "in",
        "on",
        "is",
        "are",
        "be",
        "and",
        "or",
        "it",
        "its",
        "as",
        "by",
        "for",
        "with",
        "that",
        "this",
        "at",
        "from",
    ]
)


def stem(word: str) -> str:
    """A crude stem, enough that 'vanishing' meets 'vanish' and 'problems' 'problem'."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            return word[: -len(suffix)]
    return word


_FORMULA = re.compile(r"[/=^_+*<>|\d]")


def tokens(text: str) -> list[str]:
    """Stemmed lower-case words of two or more letters; digits, symbols and formulas such as
    dy/dx drop out (a formula carries over from a seed as a fact, not as our wording)."""
    prose = " ".join(chunk for chunk in text.lower().split() if not _FORMULA.search(chunk))
    return [stem(word) for word in re.findall(r"[a-z]{2,}", prose)]


class SeedIndex:
    """The seeds' words, with where every pair of neighbouring words occurs."""

    def __init__(self, texts: dict[str, str]) -> None:
        self.words: list[str] = []
        self.owner: list[str] = []
        for name in sorted(texts):
            found = tokens(texts[name])
            self.words += found + [""] * NEAR_WINDOW  # a gap so no run spans two seeds
            self.owner += [name] * (len(found) + NEAR_WINDOW)
        self.pairs: dict[tuple[str, str], list[int]] = {}
        for q in range(len(self.words) - 1):
            self.pairs.setdefault((self.words[q], self.words[q + 1]), []).append(q)

    def near_copy(self, text: str) -> str | None:
        """The first run of `text` that is a near-copy of a seed, with the seed's words and
        file, or None."""
        card = tokens(text)
        if len(card) < NEAR_WINDOW:
            return None
        tried: set[tuple[int, int]] = set()
        for i in range(len(card) - 1):
            pair = (card[i], card[i + 1])
            if pair[0] in _STOP and pair[1] in _STOP:
                continue  # an untouched stretch always holds a pair with a real word
            for q in self.pairs.get(pair, ()):
                for start in range(
                    max(0, i - NEAR_WINDOW + 2), min(i, len(card) - NEAR_WINDOW) + 1
                ):
                    at = q - (i - start)
                    if (start, at) in tried:
                        continue
                    tried.add((start, at))
                    found = self._aligned(card[start : start + NEAR_WINDOW], at)
                    if found is not None:
                        window = " ".join(card[start : start + NEAR_WINDOW])
                        return f"'{window}' ~ '{found}' ({self.owner[max(at, 0)]})"
        return None

    def _aligned(self, window: list[str], at: int) -> str | None:
        """The seed run near `at` that `window` equals but for NEAR_EDITS edits, if any."""
        lo = max(0, at - NEAR_EDITS)
        span = self.words[lo : at + NEAR_WINDOW + NEAR_EDITS]
        if sum(1 for word in window if word in span) < NEAR_WINDOW - NEAR_EDITS:
            return None
        # edit distance of the whole window against the best-matching stretch of `span`
        previous = [0] * (len(span) + 1)
        for i, word in enumerate(window, start=1):
            current = [i] + [0] * len(span)
            for j, other in enumerate(span, start=1):
                current[j] = min(
                    previous[j - 1] + (word != other), previous[j] + 1, current[j - 1] + 1
                )
            previous = current
        best = min(range(len(previous)), key=previous.__getitem__)
        if previous[best] > NEAR_EDITS:
            return None
        return " ".join(span[max(0, best - NEAR_WINDOW) : best])


@cache
def seed_index() -> SeedIndex:
    return SeedIndex({name: (SEEDS / name).read_text(encoding="utf-8") for name in SEED_FILES})


TEXT_FIELDS = ("front", "back", "mnemonic", "why")


def copy_problems(card: CardSpec) -> list[str]:
    """Every text field of this note that is a near-copy of a seed."""
    index = seed_index()
    found: list[str] = []
    for field in TEXT_FIELDS:
        text = getattr(card, field) or ""
        if field == "front" and card.template == "cloze":
            field, text = "cloze", plain_cloze(text)
        copy = index.near_copy(text)
        if copy is not None:
            found.append(f"{field}: {copy}")
    return found


# --- the checks -----------------------------------------------------------------------------


def check(rule: Callable[[CardSpec], list[str]], cards: Iterable[CardSpec]) -> None:
    """Fail on every card that breaks `rule` and is not pending; warn on pending ones; fail
    on a pending card that now passes (take it off PENDING)."""
    pending = frozenset().union(*PENDING.values())
    broken: list[str] = []
    waiting: list[str] = []
    passing: set[str] = set()
    for card in cards:
        problems = rule(card)
        line = f"{note_id(card)}: {'; '.join(problems)}"
        if not problems:
            passing.add(note_id(card))
        elif note_id(card) in pending:
            waiting.append(line)
        else:
            broken.append(line)
    if waiting:
        warnings.warn(
            f"{len(waiting)} pending cards still break the rule:\n" + "\n".join(waiting),
            stacklevel=2,
        )
    assert broken == []
    return None


def test_every_card_is_one_fact_within_the_word_limits() -> None:
    check(size_problems, notes())


def test_every_source_is_a_seed_and_every_section_one_of_its_headings() -> None:
    check(source_problems, notes())


@needs_seeds
def test_no_text_field_is_a_near_copy_of_a_seed() -> None:
    check(copy_problems, notes())


def test_pending_cards_exist_and_still_break_a_rule() -> None:
    """A rewritten card comes off PENDING, so the list shows exactly what is left."""
    by_id = {note_id(card): card for card in notes()}
    for helper, ids in PENDING.items():
        assert not (ids - set(by_id)), f"{helper}: pending ids that are no card"
        rules: list[Callable[[CardSpec], list[str]]] = [size_problems, source_problems]
        if all((SEEDS / name).is_file() for name in SEED_FILES):
            rules.append(copy_problems)
        done = sorted(i for i in ids if not any(rule(by_id[i]) for rule in rules))
        assert done == [], f"{helper}: these pass now, take them off PENDING"


# --- the rules catch what they should --------------------------------------------------------


def _card(body: str) -> CardSpec:
    text = f'[deck]\nid = "d"\nname = "D"\n[[cards]]\nid = "c"\n{body}'
    return parse_text(Path("d.toml"), text.encode(), text).cards[0]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ('front = "' + "word " * 21 + '?"\nback = "B"', "front has 21 words"),
        ('front = "What? And why?"\nback = "B"', "more than one question"),
        ('front = "What are the five steps of debugging?"\nback = "B"', "'the five'"),
        ('front = "Name 4 optimizers."\nback = "B"', "'Name 4'"),
        ('front = "F"\nback = "' + "word " * 36 + '"', "back has 36 words"),
        ('front = "F"\nback = "one; two; three; four"', "back lists 4 items"),
        ('front = "F"\nback = "- a\\n- b\\n- c\\n- d"', "back lists 4 items"),
        ('front = "F"\nback = "(1) a (2) b (3) c (4) d"', "back lists 4 items"),
        ('front = "F"\nback = "B"\nwhy = "' + "word " * 36 + '"', "why has 36 words"),
        ('front = "F"\nback = "B"\nmnemonic = "' + "word " * 16 + '"', "mnemonic has 16"),
        ('cloze = "{{c1::' + "word " * 46 + '}}"', "cloze has 46 words"),
        ('cloze = "Adam keeps {{c1::a running mean and an uncentred variance}} x"', "c1 hides 7"),
    ],
)
def test_the_size_rules_catch_a_card_that_is_too_big(body: str, problem: str) -> None:
    card = _card(body)
    problems = size_problems(card) if card.template != "cloze" else _cloze_size(card)
    assert any(problem in found for found in problems), problems


def _cloze_size(card: CardSpec) -> list[str]:
    """size_problems for a cloze built here, not in the bundled decks."""
    found = []
    words = count_words(plain_cloze(card.front))
    if words > CLOZE_WORDS:
        found.append(f"cloze has {words} words (> {CLOZE_WORDS})")
    hidden = " ".join(t for t, marked in render_cloze(card.front, 1).back_parts if marked)
    if count_words(hidden) > GAP_WORDS:
        found.append(f"c1 hides {count_words(hidden)} words")
    return found


def test_an_atomic_card_keeps_every_size_rule() -> None:
    card = _card(
        'front = "What is the derivative of ReLU at z > 0?"\n'
        'back = "1; for z < 0 it is 0; PyTorch takes 0 at the kink."\n'
        'why = "It passes gradients through unchanged where the unit is active."'
    )
    assert size_problems(card) == []


def test_the_source_rules_catch_a_wrong_seed_or_section_or_none() -> None:
    assert source_problems(_card('front = "F"\nback = "B"')) == [
        "names no source and no no_seed reason"
    ]
    wrong = _card('front = "F"\nback = "B"\nsource = "999.txt"\nsection = "S"')
    assert "not a seed listed" in source_problems(wrong)[0]
    section = _card(
        'front = "F"\nback = "B"\nsource = "004_79820f2c78e41ff3.txt"\nsection = "Nope"'
    )
    assert "not a heading" in source_problems(section)[0]
    fine = _card(
        'front = "F"\nback = "B"\nno_seed = "PyTorch docs"\nsources = [\n'
        '  { seed = "004_79820f2c78e41ff3.txt", section = "Loss Functions" },\n]'
    )
    assert fine.sources == (SourceRef("004_79820f2c78e41ff3.txt", "Loss Functions"),)
    assert source_problems(fine) == []
    assert source_problems(_card('front = "F"\nback = "B"\nno_seed = "PyTorch docs"')) == []


@needs_seeds
@pytest.mark.parametrize(
    "text",
    [
        # today's bp-chain-rule, diag-gradient-norms and loss-vs-metric (issue 15, item 9)
        "dy/dx = dy/du · du/dx: the rates along the way multiply. Like converting dollars to yen"
        " through euros — the overall exchange rate is the product of the two rates.",
        "Norms heading to 0 mean vanishing gradients; norms shooting toward ∞ mean exploding ones"
        " — an initialization or architecture problem. They are the first thing to inspect when"
        " a network will not train.",
        "The loss is what training optimizes, so it must be differentiable. The metric is what"
        " you report (accuracy, F1, AUC, …) and can be anything. The two are allowed to differ.",
        # a seed sentence with three words swapped
        "Without activation functions, stacking layers is useless -- still merely one linear map",
    ],
)
def test_the_near_copy_check_catches_a_paraphrase_with_words_swapped(text: str) -> None:
    assert seed_index().near_copy(text) is not None


@needs_seeds
def test_the_near_copy_check_lets_our_own_words_pass() -> None:
    own = (
        "Each factor of the chain rule is a local slope; backprop multiplies them from the"
        " loss back to the weight, reusing the products it already has."
    )
    assert seed_index().near_copy(own) is None
