"""The garbage collector held off from a key until the frame that answers it is painted.

Start-up's heap is frozen (ui/home.py), so what the collector walks is what the session
made since: a screen visited (stats builds thousands of objects), a few hundred grades.
Its threshold falls due in whichever frame allocates past it, and the frame after a key
allocates most: a full collection there (5–7 ms at 100,000 cards, after a visit to
stats) doubled Esc's time to the home screen. Held for a moment after each key, the
collection runs once the frame is out, while the learner reads it.
"""

from __future__ import annotations

import gc

from textual.message_pump import MessagePump

HELD_S = 0.1
"""How long after a key the collector waits: past the paint of every key but the first
drill's (Textual paints within a frame, 1/60 s, of the work a key asks for)."""


class HeldCollector:
    """Holds the collector off for HELD_S after a key; never holds it twice over, and
    leaves it off if something else turned it off. The app releases it when it closes
    (its timers die with it)."""

    def __init__(self) -> None:
        self.holding = False

    def hold(self, timers: MessagePump) -> None:
        if self.holding or not gc.isenabled():
            return
        gc.disable()
        self.holding = True
        timers.set_timer(HELD_S, self.release)

    def release(self) -> None:
        if self.holding:
            self.holding = False
            gc.enable()
