"""MIDI maps: what each knob, fader and pad of a controller does to the show.

A map is a TOML file, like the shipped ones in ``config/midi/``. It names the controller's
port and lists bindings, one ``[[bind]]`` table per control::

    name = "Korg nanoKONTROL2"
    port = "nanoKONTROL2"       # opened when a port's name contains this (any case)
    channel = 1                 # MIDI channel of the bindings below, 1-16

    [[bind]]                    # fader 1: absolute, with soft takeover
    cc = 0
    set = "gain"
    range = [0.0, 1.0]
    curve = "linear"            # or "exponential" (both range ends above zero)
    pickup = true

    [[bind]]                    # endless encoder sending +/- steps
    cc = 16
    nudge = "speed"
    step = 0.05
    encoding = "twos_complement"  # or "signed_bit", "offset"

    [[bind]]                    # pad: select network 3 (0-based)
    note = 39
    press = "network"
    value = 3

``set`` scales the control's 0..127 onto ``range``; ``nudge`` adds ``step`` per encoder
tick; ``press`` sends ``value`` (1 when omitted) when a button goes down; ``toggle`` flips a
true/false parameter on each press; ``hold`` makes it true while the button is held.
Targets are the parameters and actions declared in ``live.contracts.parameters`` (all
but ``quit``). To cue a network for the crossfade, press
``crossfade_to``. A map with ``led_on`` / ``led_off`` values lights the buttons of active
choices (the chosen network, toggles that are on). A control bound twice keeps its last
binding, so learned bindings can simply be appended to a file.

Translation is pure: :meth:`MidiMap.translate` turns raw message bytes into ``(name, value)``
events, with no ports involved, so every map can be tested against its controller's factory
messages alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, NamedTuple, Sequence

from live.contracts.configfile import bad_value, build_section, read_toml
from live.contracts.errors import ConfigError
from live.contracts.outputs import atomic_output
from live.contracts.schema import param
from live.contracts.shipped import CONFIG_DIR, MIDI_MAP_DIR, beside_show
from live.contracts.parameters import INDEX_KINDS, PARAMETERS, parameter, remote_actions
from live.contracts.state import ShowState

TAP_TEMPO = "tap_tempo"  # an action the hub turns into a ``tempo`` from the taps' timing
# The actions a map may bind (quitting stays with the window's Esc, confirmed).
ACTIONS = tuple(a.name for a in remote_actions())
CURVES = ("linear", "exponential")
ENCODINGS = ("twos_complement", "signed_bit", "offset")
MODES = ("set", "nudge", "press", "toggle", "hold")

# A fader taken over softly engages once it comes this close (as a fraction of its range)
# to the parameter's value, or crosses it.
PICKUP_TOLERANCE = 0.02
LEARNED_HEADER = ("# Bindings learned with gance-live (midi-learn, or OSC /live/learn in a show). "
                  "A control bound again further down keeps its last binding.\n")

_CHANNEL = "a channel from 1 to 16"
_DATA_BYTE = "a number from 0 to 127"


@dataclass
class _MapFile:
    """The top level of a map file, as the config checker reads it."""

    name: str | None = param(None, "the controller's name (default: the file's name)")
    port: str = param("", "opened when a port's name contains this (any case)")
    channel: int = param(1, "MIDI channel of the bindings", range=(1, 16), expected=_CHANNEL)
    led_on: int | None = param(None, "velocity lighting a pad", range=(0, 127),
                               expected="a value from 0 to 127")
    led_off: int | None = param(None, "velocity darkening a pad", range=(0, 127),
                                expected="a value from 0 to 127")
    bind: list[dict] = param([], "one table per control", expected="[[bind]] tables")


@dataclass
class _BindTable:
    """One ``[[bind]]`` table; the rules between its keys are :func:`_parse_binding`'s."""

    cc: int | None = param(None, "CC number", range=(0, 127), expected=_DATA_BYTE)
    note: int | None = param(None, "note number", range=(0, 127), expected=_DATA_BYTE)
    channel: int | None = param(None, "channel, if not the map's", range=(1, 16),
                                expected=_CHANNEL)
    set: str | None = param(None, "a number parameter the control's 0..127 sets")
    nudge: str | None = param(None, "a number parameter an encoder's ticks move")
    press: str | None = param(None, "a parameter set to `value`, or an action")
    toggle: str | None = param(None, "an on/off parameter flipped on each press")
    hold: str | None = param(None, "an on/off parameter on while held")
    value: float | None = param(None, "press: the value sent (default 1)")
    range: list[float] | None = param(None, "set: the values 0 and 127 give", length=2,
                                      expected="two numbers [low, high]")
    curve: str = param("linear", "set: the travel's curve", choices=CURVES)
    pickup: bool = param(False, "set: soft takeover")
    step: float = param(1.0, "nudge: the change per tick")
    encoding: str = param("twos_complement", "nudge: how ticks are sent", choices=ENCODINGS)


class MidiMessage(NamedTuple):
    """One channel message: ``kind`` is ``"cc"``, ``"note"`` (note on) or ``"note_off"``.

    ``channel`` counts from 1 as printed on controllers; ``value`` is the CC value or the
    velocity. A note on with velocity 0 is a note off, as the MIDI standard says.
    """

    kind: str
    channel: int
    number: int
    value: int

    @classmethod
    def from_bytes(cls, data: Sequence[int]) -> MidiMessage | None:
        """Parse raw bytes; None for anything malformed or not a CC / note message.

        Other well-formed messages (pitch bend, clock, sysex) are also None: maps do not
        bind them, and a caller counts them with the malformed ones as ignored.
        """
        if len(data) != 3 or not all(isinstance(b, int) for b in data):
            return None
        status, number, value = data
        if not 0x80 <= status <= 0xEF or not (0 <= number < 0x80 and 0 <= value < 0x80):
            return None
        kind = {0x80: "note_off", 0x90: "note", 0xB0: "cc"}.get(status & 0xF0)
        if kind is None:
            return None
        if kind == "note" and value == 0:
            kind = "note_off"
        return cls(kind, (status & 0x0F) + 1, number, value)

    def to_bytes(self) -> list[int]:
        """The three bytes on the wire (a ``note_off`` is sent as a note off)."""
        status = {"note_off": 0x80, "note": 0x90, "cc": 0xB0}[self.kind]
        return [status | (self.channel - 1), self.number, self.value]

    @property
    def control(self) -> tuple[str, int, int]:
        """Which physical control sent it: ``(kind, channel, number)``; note offs count as
        their note, so a pad's press and release find the same binding."""
        return ("note" if self.kind == "note_off" else self.kind, self.channel, self.number)

    @property
    def pressed(self) -> bool:
        """A button going down: a note on, or a CC at 64 or above (buttons send 127 / 0)."""
        return self.kind == "note" or (self.kind == "cc" and self.value >= 64)


@dataclass(frozen=True)
class Binding:
    """What one control does: ``mode`` (one of :data:`MODES`) applied to ``target``."""

    kind: str                 # "cc" or "note"
    channel: int              # 1-16
    number: int               # CC or note number
    mode: str
    target: str
    value: float = 1.0        # press: the value sent
    low: float = 0.0          # set: the range the control's 0..127 covers
    high: float = 1.0
    curve: str = "linear"
    pickup: bool = False
    step: float = 1.0         # nudge: the change per encoder tick
    encoding: str = "twos_complement"

    @property
    def control(self) -> tuple[str, int, int]:
        return (self.kind, self.channel, self.number)

    def scale(self, raw: int) -> float:
        """A control value 0..127 placed on the binding's range along its curve."""
        x = raw / 127.0
        if self.curve == "exponential":
            value = self.low * (self.high / self.low) ** x
        else:
            value = self.low + (self.high - self.low) * x
        return float(round(value)) if _kind(self.target) in INDEX_KINDS else value

    def to_toml(self, default_channel: int) -> str:
        """The ``[[bind]]`` table that loads back into this binding."""
        lines = ["[[bind]]", f"{self.kind} = {self.number}"]
        if self.channel != default_channel:
            lines.append(f"channel = {self.channel}")
        lines.append(f'{self.mode} = "{self.target}"')
        if self.mode == "set":
            lines += [f"range = [{self.low!r}, {self.high!r}]", f'curve = "{self.curve}"',
                      f"pickup = {str(self.pickup).lower()}"]
        elif self.mode == "nudge":
            lines += [f"step = {self.step!r}", f'encoding = "{self.encoding}"']
        elif self.mode == "press" and self.value != 1.0:
            lines.append(f"value = {_number_text(self.value)}")
        return "\n".join(lines) + "\n"


def decode_relative(raw: int, encoding: str) -> int:
    """Encoder ticks in one relative CC value.

    ``twos_complement``: 1..63 up, 127..65 down (127 = -1); ``signed_bit``: 1..63 up,
    65..127 down (65 = -1); ``offset``: 64 is rest, 65 = +1, 63 = -1.
    """
    if encoding == "offset":
        return raw - 64
    if encoding == "signed_bit":
        return -(raw - 64) if raw > 64 else raw
    return raw - 128 if raw >= 64 else raw


@dataclass
class MidiMap:
    """A controller's bindings plus what it has learned of the show state.

    ``translate`` needs the current value of a parameter for soft takeover, relative
    encoders and toggles; the map tracks the values it sends and :meth:`follow` brings in
    changes made elsewhere (another controller, OSC, the keyboard).
    """

    name: str
    port: str
    channel: int = 1
    led_on: int | None = None
    led_off: int | None = None
    bindings: dict[tuple[str, int, int], Binding] = field(default_factory=dict)
    path: Path | None = None
    _values: dict[str, float] = field(default_factory=dict, init=False, repr=False,
                                      compare=False)
    _engaged: set[Binding] = field(default_factory=set, init=False, repr=False, compare=False)
    _last_input: dict[Binding, float] = field(default_factory=dict, init=False, repr=False,
                                              compare=False)

    def __post_init__(self) -> None:
        defaults = ShowState()
        self._values = {p.name: float(getattr(defaults, p.name)) for p in PARAMETERS}

    @classmethod
    def load(cls, path: str | Path) -> MidiMap:
        """Read and check a map file; problems raise ConfigError naming file and binding."""
        path = Path(path)
        raw = read_toml(path, "MIDI map", fix=f"the shipped ones are in {MIDI_MAP_DIR}")
        return cls.from_dict(raw, source=str(path), path=path)

    @classmethod
    def from_dict(cls, raw: dict[str, Any], source: str = "<map>",
                  path: Path | None = None) -> MidiMap:
        """Build a map from parsed TOML (see the module docstring for the keys)."""
        top = build_section(_MapFile, raw, source, prefix="", table="top level")
        if (top.led_on is None) != (top.led_off is None):
            raise bad_value(source, "top level: led_on", "led_on and led_off together",
                            top.led_on)
        midi_map = cls(Path(source).stem if top.name is None else top.name, top.port,
                       top.channel, top.led_on, top.led_off, path=path)
        for index, table in enumerate(top.bind, start=1):
            midi_map.bind(_parse_binding(table, top.channel, source, f"[[bind]] #{index}"))
        return midi_map

    def layer(self, other: MidiMap) -> None:
        """Bind every control ``other`` binds (a learned map on top of this one)."""
        for binding in other.bindings.values():
            self.bind(binding)

    def bind(self, binding: Binding) -> None:
        """Add a binding, replacing any other on the same control."""
        old = self.bindings.pop(binding.control, None)
        if old is not None:
            self._engaged.discard(old)
            self._last_input.pop(old, None)
        self.bindings[binding.control] = binding

    def learn(self, binding: Binding, into: Path | None = None) -> None:
        """Bind, and append the binding to the map file ``into`` (by default the map's own;
        created with this map's header if new; never a shipped map: see
        :func:`refuse_shipped`).

        Appending keeps the file's comments; the new table wins over any earlier binding
        of the same control when the file is loaded again. The grown file is written beside
        the map and renamed onto it, so a crash mid-write leaves the map as it was.
        """
        into = into or self.path
        if into is None:
            raise ValueError(f"map '{self.name}' has no file to learn into")
        refuse_shipped(into)
        self.bind(binding)
        before = into.read_text(encoding="utf-8") if into.exists() \
            else LEARNED_HEADER + self.header_toml()
        with atomic_output(into) as temporary:
            temporary.write_text(before + "\n" + binding.to_toml(self.channel), encoding="utf-8")

    def header_toml(self) -> str:
        """The top-level keys of the map file (everything but its bindings)."""
        lines = [f"name = {_toml_string(self.name)}", f"port = {_toml_string(self.port)}",
                 f"channel = {self.channel}"]
        if self.led_on is not None:
            lines += [f"led_on = {self.led_on}", f"led_off = {self.led_off}"]
        return "\n".join(lines) + "\n"

    def binding_for(self, message: MidiMessage) -> Binding | None:
        """The binding of the control that sent ``message``, if the map has one."""
        return self.bindings.get(message.control)

    def translate(self, message_bytes: Sequence[int]) -> list[tuple[str, float]]:
        """The ``(name, value)`` events one raw MIDI message makes; [] for anything else.

        Nothing is raised for bad input: malformed bytes, unbound controls, a released
        button or a fader waiting to be picked up all simply give no events.
        """
        message = MidiMessage.from_bytes(message_bytes)
        if message is None:
            return []
        return self.translate_message(message)

    def translate_message(self, message: MidiMessage) -> list[tuple[str, float]]:
        """Like :meth:`translate`, for a message already parsed."""
        binding = self.binding_for(message)
        if binding is None:
            return []
        if binding.mode == "set":
            return self._set(binding, binding.scale(message.value))
        if binding.mode == "nudge":
            if message.kind != "cc":
                return []
            ticks = decode_relative(message.value, binding.encoding)
            low, high = parameter(binding.target).range or (-math.inf, math.inf)
            value = min(max(self._values[binding.target] + ticks * binding.step, low), high)
            if _kind(binding.target) in INDEX_KINDS:
                value = float(round(value))
            return self._send(binding.target, value)
        if binding.mode == "hold":
            return self._send(binding.target, 1.0 if message.pressed else 0.0)
        if not message.pressed:
            return []
        if binding.mode == "toggle":
            return self._send(binding.target, 0.0 if self._values[binding.target] >= 0.5 else 1.0)
        return self._send(binding.target, binding.value)

    def follow(self, state: ShowState) -> None:
        """Take in the show's current values; faders whose parameter moved elsewhere must be
        picked up again before they act."""
        for declared in PARAMETERS:
            self._values[declared.name] = float(getattr(state, declared.name))
        for binding in list(self._engaged):
            if not math.isclose(self._values[binding.target], self._last_input[binding],
                                abs_tol=1e-6):
                self._engaged.discard(binding)

    def led_messages(self, state: ShowState) -> list[MidiMessage]:
        """The LED state of every lit-able control for ``state`` (empty without LED values).

        A pad that picks a value (a network, a cue) is lit when the parameter has that
        value; a toggle or hold button when its parameter is on.
        """
        if self.led_on is None or self.led_off is None:
            return []
        messages = []
        for binding in self.bindings.values():
            if parameter(binding.target) is None:
                continue
            current = float(getattr(state, binding.target))
            if binding.mode == "press":
                lit = current == binding.value
            elif binding.mode in ("toggle", "hold"):
                lit = current >= 0.5
            else:
                continue
            velocity = self.led_on if lit else self.led_off
            kind = "note" if binding.kind == "note" else "cc"
            messages.append(MidiMessage(kind, binding.channel, binding.number, velocity))
        return messages

    def _set(self, binding: Binding, value: float) -> list[tuple[str, float]]:
        if binding.pickup and binding not in self._engaged:
            current = self._values[binding.target]
            previous = self._last_input.get(binding)
            self._last_input[binding] = value
            crossed = previous is not None and (previous - current) * (value - current) <= 0
            near = abs(value - current) <= PICKUP_TOLERANCE * abs(binding.high - binding.low)
            if not (crossed or near):
                return []
            self._engaged.add(binding)
        self._last_input[binding] = value
        for other in list(self._engaged):
            if other is not binding and other.target == binding.target:
                self._engaged.discard(other)  # the other fader must be picked up again
        return self._send(binding.target, value)

    def _send(self, name: str, value: float) -> list[tuple[str, float]]:
        if name in self._values:
            self._values[name] = value
        return [(name, value)]


def find_map(value: str, resolve: Callable[[str], Path]) -> Path:
    """The file of a map named in ``[control.midi] maps``: beside the show file, else the
    map shipped with gance-live under that name, so a show kept anywhere can name
    ``"midi/korg-nanokontrol2.toml"``. A name found in neither is resolved beside the show."""
    beside_show = resolve(value)
    shipped = CONFIG_DIR / value
    return shipped if not beside_show.exists() and shipped.is_file() else beside_show


def learned_map_path(show: Path | None, midi_map: Path) -> Path:
    """Where a show's learned bindings for the controller of map file ``midi_map`` go:
    ``SHOW.MAP.midi.toml`` beside the show file (see ``beside_show``); the show loads it on
    top of the map."""
    return beside_show(show, f".{midi_map.stem}.midi.toml")


def refuse_shipped(path: Path) -> None:
    """A ConfigError for a file among the shipped maps: learning never writes there (an
    update would lose it, a wheel's files may be read-only, other shows share them)."""
    if path.resolve().is_relative_to(MIDI_MAP_DIR.resolve()):
        raise ConfigError(f"{path}: a map shipped with gance-live is never learned into; "
                          f"learn into a file of your own (e.g. --out my-{path.name})")


def _parse_binding(raw: Any, default_channel: int, source: str, where: str) -> Binding:
    table = build_section(_BindTable, raw, source, prefix="", table=where)

    def check(ok: bool, key: str, expected: str, got: Any) -> None:
        if not ok:
            raise bad_value(source, f"{where}: {key}", expected, got)

    kinds = [k for k in ("cc", "note") if getattr(table, k) is not None]
    check(len(kinds) == 1, "cc", "exactly one of cc = N or note = N", kinds or None)
    kind = kinds[0]
    number = getattr(table, kind)
    channel = default_channel if table.channel is None else table.channel
    modes = [m for m in MODES if getattr(table, m) is not None]
    check(len(modes) == 1, "set", "exactly one of set / nudge / press / toggle / hold",
          modes or None)
    mode = modes[0]
    target = getattr(table, mode)
    binding = Binding(kind, channel, number, mode, target)
    if mode in ("set", "nudge"):
        check(_kind(target) in ("float", *INDEX_KINDS), mode,
              "a number parameter (" + ", ".join(_names("float", *INDEX_KINDS)) + ")", target)
    elif mode in ("toggle", "hold"):
        check(_kind(target) == "bool", mode,
              "an on/off parameter (" + ", ".join(_names("bool")) + ")", target)
    else:
        check(parameter(target) is not None or target in ACTIONS, mode,
              "a parameter or an action (" + ", ".join(ACTIONS) + ")", target)
    if mode == "press":
        binding = replace(binding, value=1.0 if table.value is None else table.value)
    if mode == "set":
        low, high = table.range or parameter(target).fader_range
        check(table.curve != "exponential" or low * high > 0, "range",
              "both ends above zero (or both below) for an exponential curve", [low, high])
        binding = replace(binding, low=low, high=high, curve=table.curve, pickup=table.pickup)
    if mode == "nudge":
        check(kind == "cc", "nudge", "a CC (encoders send CCs)", kind)
        binding = replace(binding, step=table.step, encoding=table.encoding)
    return binding


def _kind(name: str) -> str | None:
    """The declared kind of parameter ``name``; None for an action or an unknown name."""
    declared = parameter(name)
    return declared.kind if declared is not None else None


def _names(*kinds: str) -> list[str]:
    return [p.name for p in PARAMETERS if p.kind in kinds]


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _number_text(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)
