"""The footer every screen shows: Textual's, rebuilt only when its keys change.

Textual's footer rebuilds all its key widgets each time a screen says its bindings may
have changed, once for every such call: a review grade made three calls (the reactive
`revealed`, `finished` and an explicit refresh), and each rebuild mounted and styled a
dozen widgets again. This one waits for the frame, compares what it would show with what
it shows, and rebuilds only on a difference, at most once.

Its keys are also not data-bound to it: Textual's footer binds each key's `compact` to
its own, which leaves a watcher on the footer holding every key it ever built (a dozen
widgets a grade, walked by every full collection: grades slowed down as a session went
on). Ours is always compact, so each key is simply made compact.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

Shown = tuple[tuple[str, str, str, bool, str], ...]


class KeysFooter(Footer):
    """`Footer(compact=True, show_command_palette=False)`, with one rebuild per change."""

    def __init__(self) -> None:
        super().__init__(compact=True, show_command_palette=False)
        self._shown: Shown | None = None
        self._pending = False
        self.rebuilds = 0
        """How many times the keys were built (tests count them)."""

    def _keys(self) -> Shown:
        return tuple(
            (b.key, b.description, b.action, enabled, tooltip)
            for _, b, enabled, tooltip in self.screen.active_bindings.values()
            if b.show
        )

    def compose(self) -> ComposeResult:
        if self._bindings_ready:
            self._shown = self._keys()
            self.rebuilds += 1
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                widget._reactive_connect = None  # the data_bind to this footer, undone
                widget.set_class(self.compact, "-compact")
            yield widget

    def bindings_changed(self, screen: Screen[object]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._pending:
            self._pending = True
            self.call_after_refresh(self._rebuild_if_changed)

    async def _rebuild_if_changed(self) -> None:
        self._pending = False
        if self.is_attached and self._keys() != self._shown:
            await self.recompose()
