"""Keys pressed in the output window, as intents, with a guard against quitting by accident.

The mapping of keys to intents is the control concern's (:func:`intent_for_key`); this adds
what only the window knows: Esc asks for a confirmation (Esc again, Y or Enter within a few
seconds) before it sends ``quit``, so a stray key press cannot end a show. The window keeps
no copy of the show state: the conductor resolves every intent against the true one.
"""

from __future__ import annotations

from live.control.keyboard import QUIT, intent_for_key

QUIT_CONFIRM_SECONDS = 3.0
CONFIRM_KEYS = ("escape", "y", "enter")


class KeyboardControl:
    """Turns key names into ``(name, action, value)`` intents (see ``contracts.state.Intent``)."""

    def __init__(self) -> None:
        self._quit_asked_at: float | None = None

    def press(self, key: str, now: float) -> list[tuple[str, str, float]]:
        """The intents one key press makes at monotonic time ``now``."""
        if self._quit_asked_at is not None and now - self._quit_asked_at <= QUIT_CONFIRM_SECONDS:
            self._quit_asked_at = None
            if key in CONFIRM_KEYS:
                return [(QUIT, "fire", 1.0)]
        else:
            self._quit_asked_at = None
        if key == "escape":
            self._quit_asked_at = now
            return []
        intent = intent_for_key(key)
        return [intent] if intent is not None else []

    def prompt(self, now: float) -> str | None:
        """The confirmation question while one is open, else None."""
        if self._quit_asked_at is not None and now - self._quit_asked_at <= QUIT_CONFIRM_SECONDS:
            return "Quit the show? Esc again (or Y) to quit, any other key to stay"
        return None
