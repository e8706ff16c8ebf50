"""`studyapp custom …` and `studyapp plan` with today's extra (issue 15, item 3)."""

from __future__ import annotations

from datetime import timedelta

from studyapp.collection import Collection
from studyapp.config import FixedClock, Settings

from .test_cli import env as env  # the fixture: a tiny deck, its own database
from .test_cli import run


def test_custom_new_raises_todays_limit_and_plan_says_so(env: dict[str, str]) -> None:
    assert run("config", "new_per_day", "1")[0] == 0
    code, out = run("plan")
    assert code == 0 and "1 new card(s)" in out
    code, out = run("custom", "new", "1")
    assert code == 0 and "today's new-card limit is 2 (+1)" in out
    code, out = run("plan")
    assert "2 new card(s)" in out and "1 more new card(s) allowed today" in out
    code, out = run("config")
    assert "new_per_day" in out and "custom_new_today" not in out
    assert run("custom", "new", "0")[0] != 0


def test_custom_listings(env: dict[str, str]) -> None:
    code, out = run("custom", "cram", "--tag", "sigmoid")
    assert code == 0 and "1 card(s)" in out and "tiny-sigmoid" in out
    code, out = run("custom", "ahead", "7")
    assert code == 0 and "Review ahead 7 days: 0 card(s)" in out
    collection = Collection.open(env["db"])
    session = collection.review()
    failed = session.queue[0]
    session.grade(0)
    collection.close()
    code, out = run("custom", "failures")
    assert code == 0 and failed in out and "1 card(s)" in out
    code, out = run("custom", "leeches")
    assert code == 0 and "0 leech card(s), 0 leech topic(s)" in out


def test_custom_leeches_lists_a_leech(env: dict[str, str]) -> None:
    collection = Collection.open(env["db"])
    collection.set_preference("leech_threshold", "1")
    session = collection.review()
    card_id = session.queue[0]
    session.grade(5)  # learned …
    collection.close()
    later = Settings(clock=FixedClock(Settings().clock.now() + timedelta(days=2)))
    collection = Collection.open(env["db"], later)
    session = collection.review()
    assert session.current is not None and session.current.id == card_id
    session.grade(0)  # … and lapsed once: a leech at threshold 1
    collection.close()
    code, out = run("custom", "leeches")
    assert code == 0 and "1 leech card(s)" in out and card_id in out and "suspended" in out
