"""The show state the performer plays, and the events that change it.

:class:`ShowState` has one field per declared parameter (``parameters.py``), with its
declared default. Nothing changes it directly: MIDI, OSC and replayed logs produce
:class:`ControlEvent` records, the window's keys produce :class:`Intent` records that the
conductor resolves against the state into events (:func:`resolve`), and the conductor applies
the events in arrival order with :meth:`ShowState.apply`. Logging the events is therefore
enough to replay a performance.
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import IO, Iterable, Iterator, NamedTuple

from live.contracts.parameters import INDEX_KINDS, PARAMETERS, action, parameter


class ControlEvent(NamedTuple):
    """One change: ``time`` in show seconds, ``source`` such as ``"midi:nanoKONTROL2"``."""

    time: float
    source: str
    name: str
    value: float


class Intent(NamedTuple):
    """What a key asks for, before it is known what that means for the show: ``action`` is
    ``"up"`` / ``"down"`` (a float parameter by one declared step), ``"toggle"`` (a bool),
    ``"set"`` (to ``value``) or ``"fire"`` (an action, with ``value`` as its argument).
    Only the conductor, which owns the state, turns it into a :class:`ControlEvent`."""

    time: float
    source: str
    name: str
    action: str
    value: float = 1.0


class _Checks:
    """The methods of :class:`ShowState`, driven by the declarations."""

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
        declared_action = action(name)
        if declared_action is not None:
            if declared_action.argument == "beat":
                return True   # any beat position (Link's run negative before its start)
            return declared_action.argument == "press" or (value == int(value) and value >= 0)
        declared = parameter(name)
        if declared is None:
            return False
        if declared.kind in INDEX_KINDS:
            return value == int(value) and 0 <= value < declared.options(network_count)
        if declared.kind == "bool":
            return value in (0, 1)
        low, high = declared.range
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
        if action(name) is not None:
            return True   # the conductor carries out the others (cue, favourite, quit)
        declared = parameter(name)
        if declared is None:
            return False
        if declared.kind == "bool":
            setattr(self, name, bool(value >= 0.5))
        elif declared.kind in INDEX_KINDS:
            index = int(value)
            if not 0 <= index < declared.options(network_count):
                return False
            setattr(self, name, index)
        else:
            low, high = declared.range
            setattr(self, name, float(min(max(value, low), high)))
        return True


_TYPES = {"float": float, "network": int, "choice": int, "bool": bool}

ShowState = dataclasses.make_dataclass(
    "ShowState", [(p.name, _TYPES[p.kind], dataclasses.field(default=p.default))
                  for p in PARAMETERS],
    bases=(_Checks,),
    namespace={"__module__": __name__, "__doc__": "Every performable parameter (see parameters.py), as plain "
                          "floats, ints and bools so events stay simple."})


def resolve(intent: Intent, state: ShowState) -> ControlEvent | None:
    """The event ``intent`` means for ``state``; None when it means nothing.

    "up" / "down" move a float parameter one declared step from its true value, clamped to
    its range; "toggle" flips a bool parameter from its true value and moves a choice on to
    the next of its choices (round to the first).
    """
    declared = parameter(intent.name)
    if intent.action == "fire" and action(intent.name) is not None:
        value = intent.value
    elif declared is None:
        return None
    elif intent.action in ("up", "down") and declared.kind == "float":
        low, high = declared.range
        step = declared.step if intent.action == "up" else -declared.step
        value = min(max(getattr(state, intent.name) + step, low), high)
    elif intent.action == "toggle" and declared.kind == "bool":
        value = 0.0 if getattr(state, intent.name) else 1.0
    elif intent.action == "toggle" and declared.kind == "choice":
        value = (getattr(state, intent.name) + 1) % len(declared.choices)
    elif intent.action == "set":
        value = intent.value
    else:
        return None
    return ControlEvent(intent.time, intent.source, intent.name, float(value))


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
