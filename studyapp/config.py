"""Where the data lives, when a study day starts, the daily limits, and a settable clock.

Everything that varies between a learner's machine and a test is here, so tests can
pass a fixed clock and an in-memory database instead of patching globals.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Protocol

DB_ENV = "STUDYAPP_DB"
CONTENT_ENV = "STUDYAPP_CONTENT"
REPO_ROOT = Path(__file__).resolve().parent.parent


class Clock(Protocol):
    """Anything that tells the current local time."""

    def now(self) -> datetime: ...


class SystemClock:
    """The machine's local time, timezone-aware."""

    def now(self) -> datetime:
        return datetime.now().astimezone()


@dataclass
class FixedClock:
    """A clock for tests: it says `current` until told otherwise."""

    current: datetime

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current = self.current + timedelta(**delta)


@dataclass(frozen=True)
class Settings:
    """The learner's choices; the defaults are those the README lists under `studyapp config`."""

    rollover_hour: int = 4
    new_per_day: int = 20
    reviews_per_day: int = 200
    new_topics_per_day: int = 3
    grade_keys: str = "sm2"
    scheduler: str = "sm2"
    desired_retention: float = 0.9
    fsrs_parameters: tuple[float, ...] = ()
    """FSRS weights fitted to the learner (empty: FSRS's defaults); see progress/fitting.py."""
    fsrs_tracked: bool = False
    """True once the FSRS columns were filled by a replay: every grade keeps them in step."""
    leech_threshold: int = 8
    leech_action: str = "suspend"
    extra_new: tuple[date, int] | None = None
    """Custom study's "N more new cards today": (the study day, N); bookkeeping, not a
    preference (review/custom.py), so it lapses with the day."""
    clock: Clock = field(default_factory=SystemClock)

    def today(self) -> date:
        """The current study day: it starts at `rollover_hour`, not at midnight."""
        return study_day(self.clock.now(), self.rollover_hour)

    def new_limit(self, today: date) -> int:
        """Today's new-card limit: `new_per_day`, plus the extra custom study asked for today."""
        extra = self.extra_new[1] if self.extra_new and self.extra_new[0] == today else 0
        return self.new_per_day + extra

    def with_preferences(self, values: Mapping[str, int | str | float]) -> Settings:
        """These settings with the learner's stored preferences applied (values as
        `parse_preference` returns them)."""
        known = {key: value for key, value in values.items() if key in PREFERENCE_NAMES}
        return replace(self, **known)  # type: ignore[arg-type]


PREFERENCES: dict[str, tuple[int, int, str]] = {
    "rollover_hour": (0, 23, "hour (local time) at which a new study day starts"),
    "new_per_day": (0, 9999, "new cards introduced per day at most"),
    "reviews_per_day": (0, 99999, "reviews of learned cards per day at most"),
    "new_topics_per_day": (0, 999, "drill topics never drilled introduced per day at most"),
    "leech_threshold": (
        1,
        99,
        "lapses that make a card or drill topic a leech (and each half of it more after that)",
    ),
}
"""Preferences a learner may set (stored in the database): name -> (lowest, highest, meaning)."""

CHOICE_PREFERENCES: dict[str, tuple[tuple[str, ...], str]] = {
    "grade_keys": (
        ("sm2", "anki"),
        "review grade keys: sm2 (0-5) or anki (1 Again, 2 Hard, 3 Good, 4 Easy)",
    ),
    "scheduler": (
        ("sm2", "fsrs"),
        "which scheduler sets due days: sm2 (SuperMemo 2) or fsrs (FSRS-6, from the same log)",
    ),
    "leech_action": (
        ("suspend", "tag"),
        "what a leech card gets: suspend (tagged leech and set aside) or tag (tagged only)",
    ),
}
"""Preferences that take one of a few words: name -> (the words, the default first; meaning)."""

FRACTION_PREFERENCES: dict[str, tuple[float, float, str]] = {
    "desired_retention": (
        0.70,
        0.99,
        "FSRS: the chance of recall each review is scheduled for",
    ),
}
"""Preferences that take a decimal fraction: name -> (lowest, highest, meaning)."""

RETENTION_WORKLOAD_WARNING = 0.95
"""Above this desired retention FSRS's workload grows steeply: `retention_warning` says so."""

PREFERENCE_NAMES: tuple[str, ...] = (*PREFERENCES, *CHOICE_PREFERENCES, *FRACTION_PREFERENCES)
"""Every preference `studyapp config` knows, numbers and words."""


def retention_warning(value: float) -> str | None:
    """A line for the learner when a desired retention costs far more reviews than it gives."""
    if value <= RETENTION_WORKLOAD_WARNING:
        return None
    return (
        f"desired_retention {value:.2f} is above {RETENTION_WORKLOAD_WARNING}: FSRS's intervals "
        "shrink steeply there, so the daily reviews can grow several-fold for a few points of "
        "recall (0.97 asks about twice the reviews of 0.90)"
    )


def parse_preference(key: str, value: str) -> int | str | float:
    """Check a preference value; raises ValueError with a message a learner can act on.

    Number preferences come back as an int, word preferences (`CHOICE_PREFERENCES`) as
    the word."""
    if key in CHOICE_PREFERENCES:
        words, _meaning = CHOICE_PREFERENCES[key]
        word = value.strip().lower()
        if word not in words:
            raise ValueError(f"{key} must be one of {', '.join(words)}, not {value!r}")
        return word
    if key in FRACTION_PREFERENCES:
        lowest, highest, _meaning = FRACTION_PREFERENCES[key]
        try:
            fraction = float(value)
        except ValueError:
            raise ValueError(f"{key} must be a decimal such as 0.9, not {value!r}") from None
        if not lowest <= fraction <= highest:  # NaN fails too
            raise ValueError(f"{key} must be between {lowest} and {highest}, not {value}")
        return round(fraction, 3)
    if key not in PREFERENCES:
        raise ValueError(f"unknown preference {key!r}; known: {', '.join(PREFERENCE_NAMES)}")
    low, high, _meaning = PREFERENCES[key]
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"{key} must be a whole number, not {value!r}") from None
    if not low <= number <= high:
        raise ValueError(f"{key} must be between {low} and {high}, not {number}")
    return number


def stored_preferences(
    rows: Iterable[tuple[str, str]],
) -> tuple[dict[str, int | str | float], list[str]]:
    """The usable preferences among stored (key, value) rows, and a line for each unusable one.

    A value written by an older version or by hand must not stop the collection from
    opening, nor `studyapp config`, which repairs it: such a value is left out (its default
    applies) and reported. Keys that are not preferences (bookkeeping) are skipped.
    """
    values: dict[str, int | str | float] = {}
    problems: list[str] = []
    for key, value in rows:
        if key not in PREFERENCE_NAMES:
            continue
        try:
            values[key] = parse_preference(key, str(value))
        except ValueError as error:
            default = getattr(Settings, key)
            problems.append(
                f"the stored preference is unusable: {error}; using {default} until "
                f"`studyapp config {key} VALUE` sets it"
            )
    return values, problems


EXTRA_NEW_KEY = "custom_new_today"
"""The preferences row that keeps custom study's "N more new cards today" (bookkeeping, not
a preference: `stored_preferences` skips it): "YYYY-MM-DD N"."""


def extra_new_value(day: date, count: int) -> str:
    """How Settings.extra_new is stored under EXTRA_NEW_KEY."""
    return f"{day.isoformat()} {count}"


def extra_new_from(rows: Iterable[tuple[str, str]]) -> tuple[date, int] | None:
    """Settings.extra_new from the stored preference rows (None: none, or unreadable)."""
    for key, value in rows:
        if key != EXTRA_NEW_KEY:
            continue
        day, _, count = str(value).partition(" ")
        try:
            return date.fromisoformat(day), int(count)
        except ValueError:
            return None
    return None


def study_day(moment: datetime, rollover_hour: int) -> date:
    """The study day a moment belongs to: times before the rollover hour count as yesterday."""
    return (moment - timedelta(hours=rollover_hour)).date()


def running_from_checkout() -> bool:
    """True when this package sits in a checkout of the repository (not a site-packages copy)."""
    return (REPO_ROOT / "pyproject.toml").is_file() and (REPO_ROOT / "content").is_dir()


def default_db_path() -> Path:
    """`data/studyapp.db` in a checkout, otherwise the platform's user data folder."""
    if running_from_checkout():
        return REPO_ROOT / "data" / "studyapp.db"
    from platformdirs import user_data_dir

    return Path(user_data_dir("studyapp", appauthor=False)) / "studyapp.db"


def resolve_db_url(value: str | None = None) -> str:
    """Turn `--db` (or STUDYAPP_DB, or the default) into a SQLAlchemy URL.

    A value containing "://" is taken as a URL; anything else is a SQLite file path.
    Raises ValueError for a `~user` whose home folder is unknown. A path that cannot be
    resolved (a symlink loop, a name too long) is kept as given, made absolute, for
    opening to say what is wrong with it.
    """
    chosen = value or os.environ.get(DB_ENV) or str(default_db_path())
    if "://" in chosen:
        return chosen
    try:
        path = Path(chosen).expanduser()
    except RuntimeError:
        raise ValueError(f"{chosen}: there is no home folder for {chosen.split('/')[0]}") from None
    try:
        path = path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop, before Python 3.13
        path = path.absolute()
    return f"sqlite:///{path}"


def content_dir() -> Path:
    """The folder of bundled decks: STUDYAPP_CONTENT, else the checkout's `content/`."""
    override = os.environ.get(CONTENT_ENV)
    if override:
        return Path(override)
    if (REPO_ROOT / "content").is_dir():
        return REPO_ROOT / "content"
    from importlib import resources

    return Path(str(resources.files("studyapp") / "bundled_content"))
