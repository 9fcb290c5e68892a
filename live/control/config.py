"""``[control]``: MIDI controllers, OSC and the keyboard."""

from __future__ import annotations

from dataclasses import dataclass

from live.schema import param


@dataclass
class ControlConfig:
    keyboard: bool = param(True, "keys in the output window: 1-9 networks, arrows gain, "
                                 "B blackout, H HUD, Esc quit")
