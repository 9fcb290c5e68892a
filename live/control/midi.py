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

from live.contracts.configfile import read_toml
from live.contracts.errors import ConfigError
from live.contracts.outputs import atomic_output
from live.contracts.shipped import CONFIG_DIR, MIDI_MAP_DIR
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
        known = {"name", "port", "channel", "led_on", "led_off", "bind"}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ConfigError(f"{source}: unknown key '{unknown[0]}' "
                              f"(known keys: {', '.join(sorted(known))})")
        name = _get(raw, "name", str, source, "top level", default=Path(source).stem)
        port = _get(raw, "port", str, source, "top level", default="")
        channel = _get(raw, "channel", int, source, "top level", default=1)
        _check(1 <= channel <= 16, source, "top level", "channel", "a channel from 1 to 16",
               channel)
        leds = [_get(raw, key, int, source, "top level", default=None)
                for key in ("led_on", "led_off")]
        for key, led in zip(("led_on", "led_off"), leds, strict=True):
            _check(led is None or 0 <= led <= 127, source, "top level", key,
                   "a value from 0 to 127", led)
        _check((leds[0] is None) == (leds[1] is None), source, "top level", "led_on",
               "led_on and led_off together", leds[0])
        tables = raw.get("bind", [])
        _check(isinstance(tables, list), source, "top level", "bind",
               "[[bind]] tables", tables)
        midi_map = cls(name, port, channel, leds[0], leds[1], path=path)
        for index, table in enumerate(tables, start=1):
            midi_map.bind(_parse_binding(table, channel, source, f"[[bind]] #{index}"))
        return midi_map

    def bind(self, binding: Binding) -> None:
        """Add a binding, replacing any other on the same control."""
        old = self.bindings.pop(binding.control, None)
        if old is not None:
            self._engaged.discard(old)
            self._last_input.pop(old, None)
        self.bindings[binding.control] = binding

    def learn(self, binding: Binding) -> None:
        """Bind, and append the binding to the map's file (created with a header if new).

        Appending keeps the file's comments; the new table wins over any earlier binding
        of the same control when the file is loaded again. The grown file is written beside
        the map and renamed onto it, so a crash mid-write leaves the map as it was.
        """
        if self.path is None:
            raise ValueError(f"map '{self.name}' has no file to learn into")
        self.bind(binding)
        before = self.path.read_text(encoding="utf-8") if self.path.exists() \
            else self.header_toml()
        with atomic_output(self.path) as temporary:
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


def _parse_binding(table: Any, default_channel: int, source: str, where: str) -> Binding:
    _check(isinstance(table, dict), source, where, "bind", "a table", table)
    known = {"cc", "note", "channel", *MODES, "value", "range", "curve", "pickup", "step",
             "encoding"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(f"{source}: {where}: unknown key '{unknown[0]}' "
                          f"(known keys: {', '.join(sorted(known))})")
    kinds = [k for k in ("cc", "note") if k in table]
    _check(len(kinds) == 1, source, where, "cc", "exactly one of cc = N or note = N",
           kinds or None)
    kind = kinds[0]
    number = _get(table, kind, int, source, where)
    _check(0 <= number <= 127, source, where, kind, "a number from 0 to 127", number)
    channel = _get(table, "channel", int, source, where, default=default_channel)
    _check(1 <= channel <= 16, source, where, "channel", "a channel from 1 to 16", channel)
    modes = [m for m in MODES if m in table]
    _check(len(modes) == 1, source, where, "set",
           "exactly one of set / nudge / press / toggle / hold", modes or None)
    mode = modes[0]
    target = _get(table, mode, str, source, where)
    binding = Binding(kind, channel, number, mode, target)
    if mode in ("set", "nudge"):
        _check(_kind(target) in ("float", *INDEX_KINDS), source, where, mode,
               "a number parameter (" + ", ".join(_names("float", *INDEX_KINDS)) + ")", target)
    elif mode in ("toggle", "hold"):
        _check(_kind(target) == "bool", source, where, mode,
               "an on/off parameter (" + ", ".join(_names("bool")) + ")", target)
    else:
        _check(parameter(target) is not None or target in ACTIONS, source, where, mode,
               "a parameter or an action (" + ", ".join(ACTIONS) + ")", target)
    if mode == "press":
        value = _get(table, "value", float, source, where, default=1.0)
        binding = replace(binding, value=value)
    if mode == "set":
        low, high = _get(table, "range", list, source, where,
                         default=list(parameter(target).fader_range))
        curve = _get(table, "curve", str, source, where, default="linear")
        _check(curve in CURVES, source, where, "curve", "one of " + ", ".join(CURVES), curve)
        _check(curve != "exponential" or low * high > 0, source, where, "range",
               "both ends above zero (or both below) for an exponential curve", [low, high])
        pickup = _get(table, "pickup", bool, source, where, default=False)
        binding = replace(binding, low=low, high=high, curve=curve, pickup=pickup)
    if mode == "nudge":
        _check(kind == "cc", source, where, "nudge", "a CC (encoders send CCs)", kind)
        step = _get(table, "step", float, source, where, default=1.0)
        encoding = _get(table, "encoding", str, source, where, default="twos_complement")
        _check(encoding in ENCODINGS, source, where, "encoding",
               "one of " + ", ".join(ENCODINGS), encoding)
        binding = replace(binding, step=step, encoding=encoding)
    return binding


def _get(table: dict[str, Any], key: str, kind: type, source: str, where: str,
         default: Any = None) -> Any:
    """``table[key]`` checked to be of ``kind``; ``default`` when the key is absent."""
    if key not in table:
        return default
    value = table[key]
    if kind is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        value = float(value) if ok else value
    elif kind is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind is list:
        ok = (isinstance(value, list) and len(value) == 2
              and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value))
        value = [float(v) for v in value] if ok else value
    else:
        ok = isinstance(value, kind)
    expected = {float: "a number", int: "an integer", bool: "true or false", str: "a string",
                list: "two numbers [low, high]"}[kind]
    _check(ok, source, where, key, expected, value)
    return value


def _check(ok: bool, source: str, where: str, key: str, expected: str, got: Any) -> None:
    if not ok:
        text = repr(got)
        text = text if len(text) <= 40 else text[:37] + "..."
        raise ConfigError(f"{source}: {where}: {key}: expected {expected}, got {text}")


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
