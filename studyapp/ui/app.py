"""The Textual app: a home screen and one screen per activity, built by a factory.

`make_app(collection, seed)` takes everything that varies (the collection carries the
database and the clock; the seed fixes the drill problems), so tests build the app
around a temporary database, a fixed date and known problems. Screens only call the
collection and render what it returns; the app wires screens together and owns the
keys that work everywhere (`?`/F1 help, ctrl+p commands, ctrl+q quit). Screens ask for
the next screen with a message (ui/messages.py) and get their options from the app when
it builds them, so no screen imports another screen or this module.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from textual import events, on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from studyapp.ui.collector import HeldCollector
from studyapp.ui.help import HelpScreen, help_entries
from studyapp.ui.home import HomeScreen
from studyapp.ui.messages import Open, OpenCustomStudy, StartDrill, StartReview

FSRS_UPKEEP_AFTER = 1.0
"""Seconds after start before FSRS's upkeep runs, so that it never competes with the first
paint of the home screen."""

if TYPE_CHECKING:
    from studyapp.collection import Collection, CustomStudy

DEFAULT_THEME = "textual-dark"
THEME_ENV = "STUDYAPP_THEME"


class StudyApp(App[None]):
    """studyapp's terminal UI. Build it with `make_app`."""

    TITLE = "studyapp"
    CSS_PATH = [  # noqa: RUF012
        "app.tcss",
        *("home.tcss", "review.tcss", "drill.tcss", "topics.tcss", "stats.tcss"),
        *("browse.tcss", "help.tcss", "custom.tcss"),
    ]
    """Every screen's CSS, read once at start. A screen's own CSS_PATH, read when it is
    first pushed, makes Textual parse the whole stylesheet again and restyle every widget
    (a tenth of a second, in the frame after `d` or `r`); read here it is already known."""
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark,f1", "help", "Keys", tooltip="Every key of this screen"),
        Binding(
            "ctrl+p",
            "command_palette",
            "Commands",
            show=False,
            priority=True,
            tooltip="Command palette: change the theme, take a screenshot, quit",
        ),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, tooltip="Quit at once"),
    ]

    def __init__(
        self,
        collection: Collection,
        seed: int | None = None,
        theme: str | None = None,
        cursor_blink: bool = True,
        schedule_new_topics: bool = True,
    ) -> None:
        super().__init__()
        self.collection = collection
        self.seed = seed
        self.cursor_blink = cursor_blink
        self.schedule_new_topics = schedule_new_topics
        self._start_theme = theme or os.environ.get(THEME_ENV) or DEFAULT_THEME
        self.collector = HeldCollector()

    async def on_event(self, event: events.Event) -> None:
        """Every key, before any screen sees it: the collector waits for its frame."""
        if isinstance(event, events.Key):
            self.collector.hold(self)
        await super().on_event(event)

    def on_unmount(self) -> None:
        self.collector.release()

    def on_mount(self) -> None:
        if self._start_theme in self.available_themes:
            self.theme = self._start_theme
        else:
            self.theme = DEFAULT_THEME
            self.notify(
                f"Unknown theme {self._start_theme!r}; using {DEFAULT_THEME}.", markup=False
            )
        for problem in self.collection.preference_problems:
            self.notify(problem, title="Preference not used", severity="warning", markup=False)
        # Pushed rather than returned by get_default_screen, so that its CSS_PATH loads.
        self.push_screen(HomeScreen(self.collection, self.schedule_new_topics))
        self.set_timer(FSRS_UPKEEP_AFTER, self.fsrs_upkeep)

    @work(thread=True, exclusive=True, group="fsrs", exit_on_error=False)
    def fsrs_upkeep(self) -> None:
        """FSRS's state and weights kept up to date (review/fitting.py), in a thread a moment
        after start: the learner never waits for it and never has to ask for it."""
        done = self.collection.fsrs_upkeep()
        if done is not None:  # fitted, or why not
            self.call_from_thread(self.notify, done.summary, title="FSRS", markup=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "fsrs" and event.state == WorkerState.ERROR:
            self.notify(
                f"FSRS's weights were not fitted: {event.worker.error}. Its defaults stay.",
                title="FSRS",
                severity="warning",
                markup=False,
            )

    # -------------------------------------------------------------- screens

    def action_help(self) -> None:
        """Show every key of the screen in front (or close the help if it is open)."""
        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
            return
        syntax = bool(getattr(self.screen, "HELP_ANSWER_SYNTAX", False))
        title, entries = self.screen_title(self.screen), help_entries(self.screen)
        self.push_screen(HelpScreen(title, entries, answer_syntax=syntax))

    @staticmethod
    def screen_title(screen: Screen[object]) -> str:
        return getattr(screen, "HELP_TITLE", type(screen).__name__)

    @on(StartReview)
    def _start_review(self, message: StartReview) -> None:
        self.start_review(message.deck_ids, message.custom)

    @on(StartDrill)
    def _start_drill(self, message: StartDrill) -> None:
        self.start_drill(message.topic_ids, message.difficulty)

    @on(Open)
    def _open(self, message: Open) -> None:
        {"topics": self.open_topics, "stats": self.open_stats, "browse": self.open_browse}[
            message.screen
        ]()

    def start_review(
        self, deck_ids: Sequence[str] | None = None, custom: CustomStudy | None = None
    ) -> None:
        from studyapp.ui.review import AnkiReviewScreen, ReviewScreen

        screen = AnkiReviewScreen if self.collection.settings.grade_keys == "anki" else ReviewScreen
        self.push_screen(screen(self.collection, deck_ids, custom))

    @on(OpenCustomStudy)
    def open_custom_study(self, message: OpenCustomStudy) -> None:
        from studyapp.ui.custom import CustomStudyScreen

        self.push_screen(
            CustomStudyScreen(self.collection, message.deck, message.card_ids, message.about)
        )

    def start_drill(
        self, topic_ids: Sequence[str] | None = None, difficulty: int | None = None
    ) -> None:
        from studyapp.ui.drill import DrillScreen

        self.push_screen(
            DrillScreen(
                self.collection, topic_ids, difficulty, self.seed, cursor_blink=self.cursor_blink
            )
        )

    def open_topics(self) -> None:
        from studyapp.ui.topics import TopicsScreen

        self.push_screen(TopicsScreen(self.collection))

    def open_stats(self) -> None:
        from studyapp.ui.stats import StatsScreen

        self.push_screen(StatsScreen(self.collection))

    def open_browse(self) -> None:
        from studyapp.ui.browse import BrowseScreen

        self.push_screen(BrowseScreen(self.collection, cursor_blink=self.cursor_blink))


def make_app(
    collection: Collection,
    seed: int | None = None,
    theme: str | None = None,
    cursor_blink: bool = True,
    schedule_new_topics: bool = True,
) -> StudyApp:
    """The app around an open collection.

    `seed` makes drill problems repeatable; `theme` picks a Textual theme (default
    textual-dark, or $STUDYAPP_THEME); `cursor_blink=False` freezes text cursors for
    screenshots; `schedule_new_topics=False` keeps the collection's drill topics as they
    are (tests pin a fixed handful) instead of scheduling every registered one at start.
    """
    return StudyApp(
        collection,
        seed=seed,
        theme=theme,
        cursor_blink=cursor_blink,
        schedule_new_topics=schedule_new_topics,
    )


def run_app(collection: Collection) -> int:
    """Run the app in the terminal until the learner quits; returns the exit status.

    Textual's run() returns normally also when an error ended the app (it has shown the
    traceback) and keeps the status in return_code: non-zero then, so scripts see it.
    """
    app = make_app(collection)
    app.run()
    return app.return_code or 0
