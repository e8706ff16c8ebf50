"""The opening rule of the learning path: which decks and drill topics a learner may start.

Pure functions over counts, so the home screen (store statements) and the sessions (the
ORM) apply the same rule to the same numbers. The path itself is read by
studyapp/decks/path.py; here it is only a mapping of item -> the items it waits for, an
item being ("deck", id) or ("topic", id).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence

Item = tuple[str, str]

DECK_MET_PERCENT = 80
"""A prerequisite deck is met once this share of its cards in play has been seen once."""


def deck_met(seen: int, total: int) -> bool:
    """Most of the deck seen at least once (an empty deck is no obstacle)."""
    return seen * 100 >= total * DECK_MET_PERCENT


def open_items(
    requires: Mapping[Item, Sequence[Item]],
    deck_progress: Mapping[str, tuple[int, int]],
    undrilled_topics: Collection[str],
) -> set[Item]:
    """The items of the path whose prerequisites are all met.

    `deck_progress` maps a deck to (cards seen, cards in play); `undrilled_topics` are the
    topics in play never drilled. A prerequisite the collection does not hold (a retired
    deck, a suspended topic) is no obstacle: nothing the learner could do would meet it."""

    def met(kind: str, name: str) -> bool:
        if kind == "topic":
            return name not in undrilled_topics
        seen, total = deck_progress.get(name, (0, 0))
        return deck_met(seen, total)

    return {item for item, needs in requires.items() if all(met(*need) for need in needs)}


def open_in_order(
    kind: str,
    path_order: Sequence[str],
    candidates: Iterable[str],
    opened: Collection[Item],
) -> list[str]:
    """The candidates that are open, path ones in path order, then those the path does not
    name (imported decks, new drill families: open from day one) in the order given."""
    present = list(dict.fromkeys(candidates))
    on_path = set(path_order)
    wanted = set(present)
    first = [name for name in path_order if name in wanted and (kind, name) in opened]
    return first + [name for name in present if name not in on_path]


def interleave(queues: Sequence[Sequence[str]], limit: int) -> list[str]:
    """Round-robin over the queues, one item from each in turn, up to `limit` items."""
    out: list[str] = []
    depth = 0
    while len(out) < limit:
        taken = False
        for queue in queues:
            if depth < len(queue):
                out.append(queue[depth])
                taken = True
                if len(out) == limit:
                    break
        if not taken:
            break
        depth += 1
    return out
