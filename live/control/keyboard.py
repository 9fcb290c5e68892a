"""Keys in the output window, as control events (pure: the compositor sends the result on)."""

from __future__ import annotations

from live.contracts.state import ShowState

GAIN_STEP = 0.05  # one arrow press moves the audio gain by this much


def events_for_key(key: str, state: ShowState) -> list[tuple[str, float]]:
    """The ``(name, value)`` events one key press makes, given the current state.

    ``key`` is a lower-case key name: ``"1"``..``"9"`` pick networks 0..8, ``"up"`` /
    ``"down"`` move the gain, ``"right"`` / ``"left"`` step through networks, ``"b"`` toggles
    blackout, ``"h"`` the HUD, ``"f"`` freeze; ``"c"`` jumps to the first cue and ``"s"``
    saves the current W as a favourite. Quitting (Esc, then a confirmation) is the
    window's business, not an event.
    """
    if key.isdigit() and key != "0":
        return [("network", float(int(key) - 1))]
    if key == "up":
        return [("gain", min(1.0, state.gain + GAIN_STEP))]
    if key == "down":
        return [("gain", max(0.0, state.gain - GAIN_STEP))]
    if key == "right":
        return [("next_network", 1.0)]
    if key == "left":
        return [("previous_network", 1.0)]
    if key == "c":
        return [("cue", 0.0)]
    if key == "s":
        return [("save_favourite", 1.0)]
    toggles = {"b": "blackout", "h": "hud", "f": "freeze"}
    if key in toggles:
        return [(toggles[key], 0.0 if getattr(state, toggles[key]) else 1.0)]
    return []
