"""The review screen: front, Space, back, grade — one card at a time, then a summary.

The session (`Collection.review()`, a `ReviewSession`) builds the queue, records each grade
(committed before the next card appears) and undoes exactly; this screen shows the
card, times the answer with the collection's clock, and offers only the keys that
apply: grades once the back is shown, undo once something was graded.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import ProgressBar, Static

import studyapp.ui.card_forms as card_forms
from studyapp.collection import (
    LEECH_SUSPENDED,
    QUALITY_LABELS,
    NothingToUndo,
    needs_repeat_today,
)
from studyapp.ui.footer import KeysFooter
from studyapp.ui.widgets import (
    AGAIN_MARK,
    ANKI_GRADES,
    GRADE_NAMES,
    NotSaved,
    answer_text,
    days,
    duration,
    grade_labels,
    plural,
    relabeled,
    saving,
)

if TYPE_CHECKING:
    from studyapp.collection import CardView, Collection, CustomStudy, ReviewSession

NOTHING_TO_REVIEW = "Nothing due — come back tomorrow, or drill a topic with t on the home screen."


def _grade_binding(q: int) -> Binding:
    return Binding(
        str(q),
        f"grade({q})",
        GRADE_NAMES[q],
        tooltip=f"Grade {q}: {QUALITY_LABELS[q]}"
        + (" — the card comes back later this session" if needs_repeat_today(q) else ""),
    )


SM2_GRADES: dict[str, tuple[int, str]] = {str(q): (q, GRADE_NAMES[q]) for q in range(6)}
"""The default grade map: key -> (SM-2 grade, word); ANKI_GRADES is the other."""


def _anki_grade_binding(key: str) -> Binding:
    q, word = ANKI_GRADES[key]
    return Binding(
        key,
        f"grade({q})",
        word,
        tooltip=f"{word} = SM-2 grade {q}: {QUALITY_LABELS[q]}"
        + (" — the card comes back later this session" if needs_repeat_today(q) else ""),
    )


class GradePanel(Widget):
    """The grade keys with their meaning and the interval each would give, in a grid."""

    DEFAULT_CSS = """
    GradePanel {
        height: auto;
    }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.intervals: dict[int, int] = {}
        self.repeat = False
        self.grades: dict[str, tuple[int, str]] = SM2_GRADES
        """The keys shown: key -> (SM-2 grade, word)."""

    def show(self, intervals: dict[int, int], repeat: bool) -> None:
        self.intervals, self.repeat = intervals, repeat
        self.refresh(layout=True)

    def render(self) -> Group:
        width = self.size.width or 80
        cells = []
        for key, (q, word) in self.grades.items():
            text = Text.assemble((f" {key} ", "bold reverse"), " ", (word, "bold"))
            if q in self.intervals:
                text.append(f"  {days(self.intervals[q])}", style="")
            if needs_repeat_today(q):
                text.append(f" {AGAIN_MARK}", style="dim")
            cells.append(text)
        # as many per row as fit whole (a cell has a column of padding on each side)
        longest = max((cell.cell_len for cell in cells), default=1) + 2
        per_row = max(1, min(3 if len(cells) > 4 else len(cells), width // longest))
        if width // per_row >= 40:
            for text, (q, _) in zip(cells, self.grades.values(), strict=True):
                text.append(f"  {QUALITY_LABELS[q]}", style="dim italic")
        grid = Table.grid(expand=True, padding=(0, 1))
        for _ in range(per_row):
            grid.add_column(ratio=1, no_wrap=True)
        for start in range(0, len(cells), per_row):
            grid.add_row(*cells[start : start + per_row])
        until = "Good or Easy" if self.grades is ANKI_GRADES else "graded 4 or 5"
        note = (
            f"{AGAIN_MARK} comes back later this session · a repeat keeps today's interval"
            if self.repeat
            else f"{AGAIN_MARK} comes back later this session, until {until}"
        )
        line = Text(note, style="dim")
        keys = Text.assemble("  ·  ", ("e", "bold"), " edit · ", ("f", "bold"), " flag")
        if line.cell_len + keys.cell_len <= width:  # the card's own keys, when they fit
            line.append_text(keys)
        return Group(grid, line)


class ReviewScreen(Screen[None]):
    """Flashcard review of today's queue (or of some decks)."""

    HELP_TITLE = "Review"
    CSS_PATH = "review.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space,enter", "reveal", "Show answer", tooltip="Turn the card over"),
        *(_grade_binding(q) for q in range(6)),
        Binding(
            "u",
            "undo",
            "Undo",
            tooltip="Take back the last grade (that card returns, front up), edit or flag",
        ),
        # Not in the footer, which the grade words fill; `?` and the grade panel list them.
        Binding(
            "e", "edit_card", "Edit", show=False, tooltip="After the answer: fix this card's text"
        ),
        Binding(
            "f",
            "flag_card",
            "Flag",
            show=False,
            tooltip="After the answer: flag it as wrong or unclear",
        ),
        Binding("enter", "done", "Done", tooltip="After the summary: back to the home screen"),
        Binding(
            "escape,q,backspace", "close", "Home", tooltip="Back home; every grade given is saved"
        ),
    ]

    GRADES: ClassVar[dict[str, tuple[int, str]]] = SM2_GRADES
    """The grade keys of this screen: key -> (SM-2 grade, word)."""

    revealed: reactive[bool] = reactive(False, bindings=True, repaint=False)
    finished: reactive[bool] = reactive(False, bindings=True, repaint=False)

    def __init__(
        self,
        collection: Collection,
        deck_ids: Sequence[str] | None = None,
        custom: CustomStudy | None = None,
    ) -> None:
        super().__init__()
        self.collection = collection
        self.session: ReviewSession = (
            collection.custom_review(custom) if custom is not None else collection.review(deck_ids)
        )
        self.shown_at: datetime = collection.settings.clock.now()
        self.undo_order: list[str] = []
        """"grade" or "change", newest last: `u` takes back whichever came last."""
        self.grade_descriptions: dict[str, str] = {}
        """Footer words of the grade keys, by action, fitted to the width (`_label_grades`)."""
        self.source_line = collection.source_liner()
        """Each card's source line, the decks read once for the session."""

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """Textual's, with the grade keys described by this card's intervals."""
        return relabeled(super().active_bindings, self.grade_descriptions)

    def compose(self) -> ComposeResult:
        with Horizontal(id="review-top", classes="title-bar"):
            yield Static(id="review-deck")
            yield ProgressBar(id="review-progress", show_eta=False, show_percentage=False)
            yield Static(id="review-count")
        with VerticalScroll(id="card"):
            yield Static(id="front")
            with Vertical(id="back-side"):
                yield Static(id="back")
                yield Static(id="mnemonic")
                yield Static(id="why")
                yield Static(id="source")
            yield Static(id="summary")
        yield Static(id="review-hint", classes="message")
        yield GradePanel(id="grades")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.show_current()

    def on_resize(self) -> None:
        if self.revealed:
            self._label_grades()

    # -------------------------------------------------------------- showing

    def show_current(self) -> None:
        """Show the front of the session's current card, or the summary when it is over."""
        card = self.session.current
        self.revealed = False
        self.finished = card is None
        self._update_progress()
        if card is None:
            self._show_summary()
            return
        self.shown_at = self.collection.settings.clock.now()
        self._show_card(card)

    def _update_progress(self) -> None:
        done, remaining = self.session.done, self.session.remaining
        bar = self.query_one("#review-progress", ProgressBar)
        bar.update(total=max(1, done + remaining), progress=done)
        self.query_one("#review-count", Static).update(
            Text.assemble((str(done), "bold"), (f" / {done + remaining}", "dim"))
        )

    def _show_card(self, card: CardView) -> None:
        badge = (
            ("again", "bold reverse")
            if self.session.is_repeat
            else ("new", "bold reverse")
            if card.is_new
            else ("review", "reverse")
        )
        custom = self.session.custom
        self.query_one("#review-deck", Static).update(
            Text.assemble(
                (f" {badge[0]} ", badge[1]),
                "  ",
                (card.deck_name, "bold"),
                *(("  ·  ", (custom.title, "dim")) if custom is not None else ()),
            )
        )
        self.query_one("#front", Static).update(Text(card.question))
        self.query_one("#back", Static).update(answer_text(card.answer_parts))
        self._optional("#mnemonic", card.mnemonic, "Hook  ")
        self._optional("#why", card.why, "Why  ")
        self._optional("#source", self.source_line(card), "Source  ")
        self.query_one("#back-side").display = False
        self.query_one("#summary").display = False
        self.query_one("#front").display = True
        self.query_one("#grades").display = False
        hint = self.query_one("#review-hint", Static)
        hint.update(Text.assemble(("Space", "bold"), " shows the answer", style="dim"))
        hint.display = True
        self.query_one("#card", VerticalScroll).scroll_home(animate=False)

    def _optional(self, selector: str, value: str | None, label: str) -> None:
        widget = self.query_one(selector, Static)
        widget.display = bool(value)
        if value:
            widget.update(Text.assemble((label, "bold"), value))

    def _reveal(self) -> None:
        self.revealed = True
        self.query_one("#back-side").display = True
        self.query_one("#review-hint", Static).update("")
        self.query_one("#review-hint").display = False
        self._label_grades()
        panel = self.query_one("#grades", GradePanel)
        panel.display = True
        panel.grades = self.GRADES
        panel.show(self.session.intervals(), self.session.is_repeat)

    def _label_grades(self) -> None:
        # The footer draws one key per action (the first of `?`/F1, of escape/q/backspace),
        # as `key words` plus a space: count the same, or the grade words are dropped early.
        first: dict[str, Binding] = {}
        for item in self.active_bindings.values():
            if item.binding.show and not item.binding.action.startswith("grade"):
                first.setdefault(item.binding.action, item.binding)
        others = [(self.app.get_key_display(b), b.description) for b in first.values()]
        reserved = sum(len(key) + len(text) + 2 for key, text in others)
        if self.session.can_undo and not any(text == "Undo" for _, text in others):
            reserved += len("u Undo") + 1
        intervals = self.session.intervals()
        names = {q: word for q, word in self.GRADES.values()}
        labels = grade_labels(
            {q: d for q, d in intervals.items() if q in names}, self.size.width, reserved, names
        )
        self.grade_descriptions = {f"grade({q})": label for q, label in labels.items()}
        self.refresh_bindings()

    def _show_summary(self) -> None:
        summary = self.session.summary()
        self.query_one("#front").display = False
        self.query_one("#back-side").display = False
        self.query_one("#grades").display = False
        self.query_one("#review-hint").display = False
        self.query_one("#review-deck", Static).update(Text("Review", style="bold"))
        box = self.query_one("#summary", Static)
        box.display = True
        keys = Text.assemble(("Enter", "bold"), " or ", ("Escape", "bold"), ": home", style="dim")
        if summary.graded == 0:
            box.border_title = "Nothing to review"
            box.update(Group(Text(NOTHING_TO_REVIEW), Text(""), keys))
            return
        box.border_title = "Session complete"
        table = Table.grid(padding=(0, 3))
        table.add_column(style="dim", justify="right")
        table.add_column()
        answers = plural(summary.graded, "answer")
        table.add_row(
            "Reviewed",
            Text.assemble(
                (plural(summary.cards, "card"), "bold"),
                (f"  ({answers}, {plural(summary.repeats, 'repeat')})", "dim"),
            ),
        )
        share = round(100 * summary.correct / summary.cards) if summary.cards else 0
        table.add_row(
            "Correct",
            Text.assemble((f"{summary.correct} of {summary.cards}", "bold"), f"  ({share} %)"),
        )
        table.add_row("Time", Text(duration(summary.seconds), style="bold"))
        table.add_row("Due tomorrow", Text(plural(summary.due_tomorrow, "card"), style="bold"))
        keys.append_text(Text.assemble("   ", ("u", "bold"), ": take back the last grade"))
        box.update(Group(table, Text(""), keys))

    # -------------------------------------------------------------- keys

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reveal":
            return not self.finished and not self.revealed
        if action == "grade":
            return self.revealed and not self.finished
        if action == "undo":
            return self._next_undo() is not None
        if action in ("edit_card", "flag_card"):
            return self.revealed and not self.finished
        if action == "done":
            return self.finished
        return True

    def action_reveal(self) -> None:
        self._reveal()

    def action_grade(self, quality: int) -> None:
        elapsed = self.collection.settings.clock.now() - self.shown_at
        duration_ms = max(0, int(elapsed.total_seconds() * 1000))
        try:
            with saving(self, "save the grade", self.collection):
                self.session.grade(quality, duration_ms)
        except NotSaved:
            return
        except LookupError as problem:  # the card vanished under us (deleted elsewhere)
            self.notify(str(problem), title="Could not grade", severity="warning", markup=False)
        else:
            self.undo_order.append("grade")
        if self.session.leech is not None:
            self._tell_leech(*self.session.leech)
        self.show_current()
        self.refresh_bindings()

    def _tell_leech(self, card: CardView, done: int) -> None:
        """The learner is told at once that a card became a leech, what happened to it and
        how to bring it back."""
        suspended = bool(done & LEECH_SUSPENDED)
        what = "tagged leech and suspended" if suspended else "tagged leech"
        back = (
            "u takes the grade and the leech back; later, browse (tag leech) and s resumes it."
            if suspended
            else "u takes the grade and the tag back; browse lists leeches under tag leech."
        )
        self.notify(
            f"“{card.question[:60]}” has lapsed {card.state.lapses + 1} times: {what}. "
            f"Rewrite it or split it. {back}",
            title="Leech",
            severity="warning",
            timeout=12,
            markup=False,
        )

    def _next_undo(self) -> str | None:
        """What `u` takes back now: "grade" or "change" (an edit or flag made here), the
        newest first; entries that can no longer be undone are dropped."""
        while self.undo_order:
            kind = self.undo_order[-1]
            if kind == "grade" and self.session.can_undo:
                return kind
            if kind == "change" and len(self.collection.changes):
                return kind
            self.undo_order.pop()
        return None

    def action_undo(self) -> None:
        if self._next_undo() == "change":
            self.undo_order.pop()
            card_forms.undo_change(self, self.collection)
            self._card_changed()
            return
        try:
            with saving(self, "undo", self.collection):
                self.session.undo()
        except NotSaved:
            return
        except NothingToUndo as problem:  # or a grade superseded elsewhere: the stack is empty now
            self.notify(str(problem), title="Undo", markup=False)
            self.refresh_bindings()
            return
        if self.undo_order:
            self.undo_order.pop()
        self.show_current()
        self.notify("Last grade taken back.", timeout=2, markup=False)
        self.refresh_bindings()

    def action_edit_card(self) -> None:
        card = self.session.current
        if card is not None:
            card_forms.edit_card(self, self.collection, card.id, self._changed_here)

    def action_flag_card(self) -> None:
        card = self.session.current
        if card is not None:
            card_forms.flag_card(self, self.collection, card.id, self._changed_here)

    def _changed_here(self, _card_id: str) -> None:
        self.undo_order.append("change")
        self._card_changed()

    def _card_changed(self) -> None:
        """Show the current card's text as it is now, on the side it was showing."""
        self.session.reload_current()
        card = self.session.current
        if card is None or self.finished:
            self.refresh_bindings()
            return
        revealed = self.revealed
        self._show_card(card)
        if revealed:
            self._reveal()
        self.refresh_bindings()

    def action_close(self) -> None:
        self.dismiss()

    def action_done(self) -> None:
        self.dismiss()


_NOT_GRADES = [
    b
    for b in ReviewScreen.BINDINGS
    if not (isinstance(b, Binding) and b.action.startswith("grade"))
]


class AnkiReviewScreen(ReviewScreen, inherit_bindings=False):
    """The review screen with Anki's four grade keys (`studyapp config grade_keys anki`):
    1 Again, 2 Hard, 3 Good, 4 Easy give the SM-2 grades 0, 3, 4 and 5.

    Textual merges a subclass's bindings with its bases', which would keep the SM-2 keys
    0 and 5; so this class does not inherit them and repeats Screen's own (Tab, copy).
    The `?` help lists HELP_BINDINGS, the keys of this screen proper."""

    GRADES = ANKI_GRADES
    HELP_BINDINGS: ClassVar[list[BindingType]] = [
        _NOT_GRADES[0],
        *(_anki_grade_binding(key) for key in ANKI_GRADES),
        *_NOT_GRADES[1:],
    ]
    BINDINGS: ClassVar[list[BindingType]] = [*Screen.BINDINGS, *HELP_BINDINGS]
