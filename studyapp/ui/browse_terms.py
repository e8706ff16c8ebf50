"""Completion for browse's boxes: the tag box completes a known tag, the search box the tag
of a `tag:` term and the filter of an `is:` term (Right or End accepts, as in a shell)."""

from __future__ import annotations

from collections.abc import Iterable

from textual.suggester import Suggester


class TagSuggester(Suggester):
    """The first known tag that starts with what was typed (any case). The tags arrive
    after the box is shown (read in a worker), so nothing is cached."""

    def __init__(self, tags: Iterable[str] = ()) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.tags: list[str] = list(tags)

    def complete(self, prefix: str) -> str | None:
        """The first tag starting `prefix` (case-insensitively) that is longer than it."""
        folded = prefix.casefold()
        if not folded:
            return None
        return next(
            (t for t in self.tags if t.casefold().startswith(folded) and len(t) > len(prefix)),
            None,
        )

    async def get_suggestion(self, value: str) -> str | None:
        tag = self.complete(value.strip())
        return None if tag is None else value[: len(value) - len(value.lstrip())] + tag


class TermSuggester(TagSuggester):
    """Completes the last term of a search: `tag:rel` → `tag:relu`, `is:le` → `is:leech`."""

    def __init__(self, tags: Iterable[str] = (), filters: Iterable[str] = ()) -> None:
        super().__init__(tags)
        self.filters = list(filters)

    async def get_suggestion(self, value: str) -> str | None:
        if not value or value[-1].isspace():
            return None
        head, _, last = value.rpartition(" ")
        key, colon, rest = last.partition(":")
        if not colon or not rest:
            return None
        if key.lower() == "tag":
            found = self.complete(rest)
        elif key.lower() == "is":
            found = next(
                (f for f in self.filters if f.startswith(rest.lower()) and f != rest.lower()), None
            )
        else:
            return None
        if found is None:
            return None
        return f"{head} {key}:{found}" if head or value.startswith(" ") else f"{key}:{found}"
