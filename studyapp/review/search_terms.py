"""What a learner types into browse's search box, read into a search.

Plain words must all appear (anywhere in the front, back or tags; any part of a word will
do). `tag:rel` keeps cards with a tag starting "rel", `deck:ID` one deck, `is:suspended`,
`is:leech`, `is:new`, `is:learned` the cards of one filter (store/card_search.py FILTERS).
A term whose prefix is unknown, or a filter name that is not one, is searched as a word.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SearchTerms:
    words: tuple[str, ...] = ()
    tag_prefixes: tuple[str, ...] = ()
    filters: tuple[str, ...] = ()
    deck: str | None = None


def read_terms(text: str, filters: frozenset[str] | set[str]) -> SearchTerms:
    """Split `text` into words, `tag:`, `deck:` and `is:` terms; `filters` are the known
    `is:` names."""
    words: list[str] = []
    tags: list[str] = []
    chosen: list[str] = []
    deck: str | None = None
    for term in text.split():
        prefix, colon, rest = term.partition(":")
        key = prefix.lower()
        if colon and rest and key == "tag":
            tags.append(rest)
        elif colon and rest and key == "deck":
            deck = rest
        elif colon and key == "is" and rest.lower() in filters:
            chosen.append(rest.lower())
        else:
            words.append(term)
    return SearchTerms(tuple(words), tuple(tags), tuple(dict.fromkeys(chosen)), deck)
