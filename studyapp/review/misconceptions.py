"""Misconceptions as items: the rules that turn the slips of drill attempts into mistakes
scheduled until the learner stops making them. Pure functions, no database, no clock.

A *slip* is a known wrong way to a checkpoint's value, named by a stable id
(drills/mistakes.py). The rule, for each attempt:

- **Made**: a slip id the attempt's grading named (at any checkpoint; one slip named at
  two checkpoints is made once). Its misconception becomes active — again, if it had been
  resolved — is seen once more, its run of avoidances starts over, and it is due at once:
  the drill session brings a problem drawn to tempt it back a few items later.
- **Avoided**: a slip id the problem offered at a checkpoint the learner got right, or
  right from their own earlier values (carried), and that was not made. A right final
  answer vouches for every checkpoint the learner left blank; a wrong or given-up one
  vouches for nothing it does not show. An avoidance counts only while the misconception is
  active and due, as a review counts only when due: practice before then leaves it as it
  was. Each counted avoidance moves it SPACING days on; the RESOLVED_AFTER-th in a row
  resolves it.
- Anything else (a slip the problem could not show, a step left blank before a wrong
  answer) says nothing about the mistake, and changes nothing.

So a slip made today comes back later in the session, then a day later, then three days
after that, and is resolved after three avoidances in a row; making it again on the way
starts the run over.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal

Status = Literal["active", "resolved"]

RESOLVED_AFTER = 3
"""Avoidances in a row that resolve a misconception: one is luck, three spaced over days
(SPACING) show the learner has stopped making it."""

SPACING = (1, 3)
"""Days from each counted avoidance to the next time the mistake is due (the first, then
the second and any later); the third avoidance resolves it (RESOLVED_AFTER)."""

LATER_IN_SESSION = 3
"""How many items after the slip the drill session brings the tempting problem back: far
enough that the worked solution is no longer on screen, near enough to be today's lesson."""

CLEAN = ("right", "carried")
"""Checkpoint statuses that show the step was done right (from the learner's own values)."""


@dataclass(frozen=True)
class Misconception:
    """One tracked mistake: where it was last made, how often, and when it is due again."""

    id: str
    topic_id: str
    """The topic it was last made in: its tempting problems come from there."""
    seen: int
    first_seen: date
    last_seen: date
    avoided_run: int
    """Counted avoidances since it was last made."""
    due: date | None
    """When it should be practised next; None once resolved."""
    status: Status

    def is_due(self, today: date) -> bool:
        return self.status == "active" and self.due is not None and self.due <= today


def judge(
    offered: Mapping[str, Iterable[str]],
    fired: Mapping[str, str],
    statuses: Mapping[str, str],
    outcome: str,
) -> tuple[set[str], set[str]]:
    """The slip ids an attempt made and avoided (see the module's rule).

    `offered`: each checkpoint's slip ids (the problem's), `fired`: the slip id named at
    each checkpoint, `statuses`: each checkpoint's status (right, carried, wrong, unread,
    missing), `outcome`: correct, wrong or gave_up."""
    made = {slip for slip in fired.values() if slip}
    avoided: set[str] = set()
    for name, slips in offered.items():
        status = statuses.get(name, "missing")
        if status in CLEAN or (status == "missing" and outcome == "correct"):
            avoided.update(slip for slip in slips if slip)
    return made, avoided - made


def one_line_statuses(checkpoints: Sequence[str], outcome: str) -> dict[str, str]:
    """Checkpoint statuses for a one-line answer: only the final answer was shown."""
    statuses = dict.fromkeys(checkpoints, "missing")
    if checkpoints and outcome in ("correct", "wrong"):
        statuses[checkpoints[-1]] = "right" if outcome == "correct" else "wrong"
    return statuses


def made_again(found: Misconception | None, slip: str, topic_id: str, today: date) -> Misconception:
    """The misconception after the learner made the slip (in `topic_id`, on `today`)."""
    if found is None:
        return Misconception(slip, topic_id, 1, today, today, 0, today, "active")
    return replace(
        found,
        topic_id=topic_id,
        seen=found.seen + 1,
        last_seen=max(found.last_seen, today),
        avoided_run=0,
        due=today,
        status="active",
    )


def avoided_once(found: Misconception, today: date) -> Misconception:
    """The misconception after an avoidance: counted only while it is due."""
    if not found.is_due(today):
        return found
    run = found.avoided_run + 1
    if run >= RESOLVED_AFTER:
        return replace(found, avoided_run=run, due=None, status="resolved")
    wait = SPACING[min(run, len(SPACING)) - 1]
    return replace(found, avoided_run=run, due=today + timedelta(days=wait))


def after_attempt(
    found: Mapping[str, Misconception | None],
    made: Iterable[str],
    avoided: Iterable[str],
    topic_id: str,
    today: date,
) -> dict[str, Misconception]:
    """The misconceptions an attempt changed, by id (`found`: their states before, None
    for a slip never made). An avoided slip never made is not tracked."""
    changed: dict[str, Misconception] = {}
    for slip in sorted(set(made)):
        changed[slip] = made_again(found.get(slip), slip, topic_id, today)
    for slip in sorted(set(avoided) - set(made)):
        before = found.get(slip)
        if before is not None:
            after = avoided_once(before, today)
            if after != before:
                changed[slip] = after
    return changed


def tempts(slip: str, checkpoints: Iterable[Iterable[str]]) -> bool:
    """Whether a problem (its checkpoints' slip ids) offers the slip, so can tempt it."""
    return any(slip == offered for point in checkpoints for offered in point)
