"""Keys pressed in the output window, as control events, with a guard against quitting by accident.

The mapping of keys to events is the control concern's (:func:`events_for_key`); this adds
what only the window knows: Esc asks for a confirmation (Esc again, Y or Enter within a few
seconds) before it sends ``quit``, so a stray key press cannot end a show.
"""

from __future__ import annotations

from live.control.keyboard import events_for_key
from live.contracts.state import ControlEvent, ShowState

QUIT_CONFIRM_SECONDS = 3.0
CONFIRM_KEYS = ("escape", "y", "enter")
# Show-state fields the window mirrors so toggles flip the right way before the conductor's
# DisplayState comes back.
_MIRRORED = ("blackout", "hud", "freeze", "gain")


class KeyboardControl:
    """Turns key names into ``(name, value)`` events; ``state`` mirrors what the keys toggle."""

    def __init__(self) -> None:
        self.state = ShowState()
        self._quit_asked_at: float | None = None

    def press(self, key: str, now: float) -> list[tuple[str, float]]:
        """The events one key press makes at monotonic time ``now``."""
        if self._quit_asked_at is not None and now - self._quit_asked_at <= QUIT_CONFIRM_SECONDS:
            self._quit_asked_at = None
            if key in CONFIRM_KEYS:
                return [("quit", 1.0)]
        else:
            self._quit_asked_at = None
        if key == "escape":
            self._quit_asked_at = now
            return []
        events = events_for_key(key, self.state)
        for name, value in events:
            if name in _MIRRORED:
                self.state.apply(ControlEvent(now, "keyboard", name, value), network_count=1)
        return events

    def prompt(self, now: float) -> str | None:
        """The confirmation question while one is open, else None."""
        if self._quit_asked_at is not None and now - self._quit_asked_at <= QUIT_CONFIRM_SECONDS:
            return "Quit the show? Esc again (or Y) to quit, any other key to stay"
        return None
