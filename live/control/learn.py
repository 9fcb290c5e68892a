"""MIDI learn: the performer names a parameter, moves a control, and the two are bound.

The same small language serves ``gance-live midi-learn`` (typed at a prompt) and learning
inside a running show (sent as the string of OSC ``/live/learn``)::

    gain                 a fader or knob sets the gain over its whole range
    gain relative        an endless encoder nudges the gain
    gain 0.8             a button sets the gain to 0.8
    network 2            a button shows network 2 (0-based); crossfade_to 2 cues it
    blackout             a button toggles blackout; "blackout hold" = on while held
    next_network         a button does the action (also previous_network, tap_tempo)

What the control is (a CC or a note) is only known when it moves, so a request is parsed
first (:meth:`LearnRequest.parse`) and turned into a binding for the control that moved
(:meth:`LearnRequest.binding_for`). Both are pure.
"""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

from live.control.midi import ACTIONS, Binding, MidiMessage
from live.contracts.parameters import INDEX_KINDS, PARAMETERS, parameter

STYLES = ("relative", "hold", "toggle")
RELATIVE_STEPS = 100  # an encoder crosses a parameter's whole range in this many ticks


class LearnRequest(NamedTuple):
    """A parsed answer: the ``target`` event name, a ``value`` for buttons, a ``style``."""

    target: str
    value: float | None = None
    style: str | None = None

    @classmethod
    def parse(cls, answer: str) -> LearnRequest:
        """Read an answer like ``"network 2"``; ValueError says what was wrong."""
        words = answer.split()
        if not words:
            raise ValueError("empty answer: name a parameter or an action")
        target, rest = words[0], words[1:]
        declared = parameter(target)
        if declared is None and target not in ACTIONS:
            raise ValueError(f"unknown parameter '{target}' (choose from {choices()})")
        value = style = None
        for word in rest:
            if word in STYLES and style is None:
                style = word
                continue
            try:
                number = float(word)
            except ValueError:
                raise ValueError(f"'{word}' is neither a number nor one of "
                                 f"{', '.join(STYLES)}") from None
            if value is not None:
                raise ValueError(f"two values in '{answer}'")
            value = number
        kind = declared.kind if declared is not None else "action"
        if style in ("hold", "toggle") and kind != "bool":
            raise ValueError(f"'{style}' is for on/off parameters, not {target}")
        if style == "relative" and kind not in ("float", *INDEX_KINDS):
            raise ValueError(f"'relative' is for number parameters, not {target}")
        if kind in INDEX_KINDS and value is None and style is None:
            raise ValueError(f"say which one, e.g. '{target} 2' (or '{target} relative')")
        return cls(target, value, style)

    def binding_for(self, message: MidiMessage) -> Binding:
        """The binding this request makes for the control that sent ``message``.

        ValueError when the two do not fit (an encoder style on a note, a continuous
        parameter on a pad without a value).
        """
        kind, channel, number = message.control
        base = Binding(kind, channel, number, "press", self.target)
        declared = parameter(self.target)
        if declared is None:   # an action
            return base
        if declared.kind == "bool":
            return replace(base, mode="hold" if self.style == "hold" else "toggle")
        if self.style == "relative":
            if kind != "cc":
                raise ValueError(f"a note cannot be a relative encoder for {self.target}")
            low, high = declared.fader_range
            step = 1.0 if declared.kind in INDEX_KINDS else (high - low) / RELATIVE_STEPS
            return Binding(kind, channel, number, "nudge", self.target, step=step)
        if self.value is not None:
            return Binding(kind, channel, number, "press", self.target, value=self.value)
        if kind != "cc":
            raise ValueError(f"a pad sets {self.target} to one value: say which, "
                             f"e.g. '{self.target} 0.8'")
        low, high = declared.fader_range
        return Binding(kind, channel, number, "set", self.target, low=low, high=high,
                       pickup=True)


def choices() -> str:
    """Every name an answer may start with, for prompts and error messages."""
    return ", ".join([*(p.name for p in PARAMETERS), *ACTIONS])


def describe(binding: Binding) -> str:
    """One line saying what a binding does, for the learn prompt's confirmation."""
    control = f"{binding.kind} {binding.number} (channel {binding.channel})"
    if binding.mode == "set":
        return f"{control}: sets {binding.target} from {binding.low:g} to {binding.high:g}"
    if binding.mode == "nudge":
        return f"{control}: nudges {binding.target} by {binding.step:g} per tick"
    if binding.mode == "press" and parameter(binding.target) is not None:
        return f"{control}: sets {binding.target} to {binding.value:g}"
    return f"{control}: {binding.mode} {binding.target}"
