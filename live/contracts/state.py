"""The show state the performer plays, and the events that change it.

Every performable parameter is a field of :class:`ShowState`. Nothing changes it directly:
MIDI, OSC, the keyboard and replayed logs all produce :class:`ControlEvent` records, and the
conductor applies them in arrival order with :meth:`ShowState.apply`. Logging the events is
therefore enough to replay a performance.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from typing import IO, Iterable, Iterator, NamedTuple


class ControlEvent(NamedTuple):
    """One change: ``time`` in show seconds, ``source`` such as ``"midi:nanoKONTROL2"``."""

    time: float
    source: str
    name: str
    value: float


@dataclass
class ShowState:
    """Every performable parameter. Values are plain floats/ints/bools so events stay simple."""

    gain: float = 0.5           # audio blend alpha, 0..1
    network: int = 0            # index into [networks] files
    crossfade: float = 0.0      # 0 = network only, 1 = crossfade_to only
    crossfade_to: int = 1       # the second network of a crossfade
    truncation_psi: float = 1.0  # toward w_avg; 1 = none
    speed: float = 1.0          # latent journey speed multiplier
    freeze: bool = False        # hold the latent where it is
    blackout: bool = False      # output goes to black (with the output fade)
    hud: bool = False           # heads-up display on the output
    tempo: float = 120.0        # beats per minute, set by tap tempo, for beat-synced moves

    # Actions are events that do something once rather than set a field. The conductor
    # carries out "cue" (jump the latent journey to cue number `value`), "save_favourite"
    # (write the current W to a file) and "quit".
    ACTIONS = ("next_network", "previous_network", "cue", "save_favourite", "quit")

    @staticmethod
    def accepts(name: str, value: float, network_count: int) -> bool:
        """Whether ``apply`` would take this event as it is, without clamping it.

        Inputs from outside (OSC, MIDI maps) use this to ignore and count bad values instead
        of letting them be quietly clamped: a gain of 7 is a sender's bug worth seeing.
        """
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if not math.isfinite(value):
            return False
        if name == "cue":
            return value == int(value) and value >= 0
        if name in ShowState.ACTIONS:
            return True
        kind = PARAMETERS.get(name)
        if kind is None:
            return False
        if kind == "int":
            return value == int(value) and 0 <= value < network_count
        if kind == "bool":
            return value in (0, 1)
        low, high = LIMITS.get(name, (-math.inf, math.inf))
        return low <= value <= high

    def apply(self, event: ControlEvent, network_count: int) -> bool:
        """Apply one event; returns False (and changes nothing) for an unknown or bad one."""
        name, value = event.name, event.value
        if not isinstance(value, (int, float)) or not math.isfinite(value):
            return False
        if name == "next_network":
            self.network = (self.network + 1) % network_count
            return True
        if name == "previous_network":
            self.network = (self.network - 1) % network_count
            return True
        if name in ShowState.ACTIONS:
            return True
        fields = {f.name: f for f in dataclasses.fields(self)}
        if name not in fields:
            return False
        kind = fields[name].type
        if kind == "bool":
            setattr(self, name, bool(value >= 0.5))
        elif kind == "int":
            index = int(value)
            if not 0 <= index < network_count:
                return False
            setattr(self, name, index)
        else:
            low, high = LIMITS.get(name, (-math.inf, math.inf))
            setattr(self, name, float(min(max(value, low), high)))
        return True


# The bounds of the float parameters; ``apply`` clamps to them, ``accepts`` rejects outside.
LIMITS = {"gain": (0.0, 1.0), "crossfade": (0.0, 1.0), "truncation_psi": (0.0, 2.0),
          "speed": (-8.0, 8.0), "tempo": (20.0, 300.0)}

# Every parameter's kind: "float", "int" (a network index) or "bool".
PARAMETERS: dict[str, str] = {f.name: str(f.type) for f in dataclasses.fields(ShowState)}


def write_event_log(events: Iterable[ControlEvent], stream: IO[str]) -> None:
    """Append events to a JSON-lines log, one event per line."""
    for event in events:
        stream.write(json.dumps(event._asdict()) + "\n")


def read_event_log(stream: IO[str]) -> Iterator[ControlEvent]:
    """Read the events of a JSON-lines log written by :func:`write_event_log`."""
    for line in stream:
        if line.strip():
            record = json.loads(line)
            yield ControlEvent(float(record["time"]), str(record["source"]),
                               str(record["name"]), float(record["value"]))
