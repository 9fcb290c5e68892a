"""The control hub: every MIDI controller and the OSC server, seen by the conductor as one.

It lives in the conductor's process and never makes it wait::

    with ControlHub(cfg.control, clock, network_count=len(networks), resolve=cfg.resolve) as hub:
        while showing:
            for event in hub.poll():          # ControlEvents, oldest first
                state.apply(event, network_count)
            hub.feedback(state)               # LEDs and OSC out, only what changed

MIDI waits in rtmidi's queues until ``poll`` reads it and maps it on the caller's thread,
so maps need no locks and no Python runs on the MIDI system's threads. A background thread
looks for controllers every ``rescan_seconds``: a port that disappears is closed, and one
whose name matches a map (again) is opened, so a controller pulled out mid-show is picked
up by name when it comes back and nothing else notices.

Tempo: the followed clock (``tempo_source``: Ableton Link, or MIDI clock from the port
``[control.tempo] midi_clock_port`` names) becomes ``tempo`` and ``beat_sync`` events in
``poll`` like any control. The show joins the Link session at start with
``[control.tempo] link``, else when it first follows Link; when the show leads (``tap``),
``feedback`` sets the session's tempo to the show's. ``[control.tempo] midi_clock_out``
sends the show's tempo as MIDI clock to the port it names (opened by the watcher).

Learning inside a show: ``/live/learn "network 2"`` (or :meth:`ControlHub.learn`) arms it;
the next control moved on any controller is bound to that and appended to the show's learned
map for that controller's map, ``SHOW.MAP.midi.toml`` beside the show file (never to the map
itself, which may be shipped with gance-live); the next show loads it on top of the map.
"""

from __future__ import annotations

import copy
import logging
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from live.contracts.errors import ConfigError
from live.control.config import ControlConfig
from live.control.learn import LearnRequest
from live.control.clock_out import MidiClockOut
from live.control.link import LinkSession
from live.control.midi import TAP_TEMPO, MidiMap, MidiMessage, find_map, learned_map_path
from live.control.midi_clock import CLOCK, CLOCK_STATUSES, MidiClock
from live.control.osc import LEARN, LEARN_CANCEL, OscSender, OscServer, events_for_osc, \
    state_messages
from live.control.ports import MidiError, MidiInput, MidiOutput, PortLister
from live.contracts.state import ControlEvent, ShowState
from live.contracts.parameters import parameter
from live.control.tempo import BeatFollower, TapTempo

log = logging.getLogger(__name__)

# rtmidi (JACK) can crash closing a port whose peer vanished a moment ago, while JACK still
# processes the disconnection; the ports of an unplugged controller are closed this much later.
RETIRE_SECONDS = 0.5
MAX_RETRY_SECONDS = 30.0  # longest pause between attempts to reach a missing MIDI system
STAT_NAMES = ("midi_received", "midi_ignored", "osc_received", "osc_ignored", "events",
              "midi_connects", "midi_reconnects", "midi_disconnects", "learned", "clock_ticks")
TEMPO_SOURCES = parameter("tempo_source").choices
LINK_TOLERANCE_S = 0.001  # Link's timeline is exact: only a real jump is worth an event


@dataclass
class _Device:
    """A map, checked at start, the port substring that selects its controllers, and the
    file its learned bindings go to (None: a hub without a show file keeps them unsaved)."""

    midi_map: MidiMap
    port: str
    learned: Path | None = None


@dataclass
class _Connection:
    """One controller that is plugged in: its ports and the LED values last sent to it."""

    port_name: str
    midi_in: MidiInput
    midi_out: MidiOutput | None
    leds_sent: dict[tuple[str, int, int], int] = field(default_factory=dict)


class ControlHub:
    """MIDI inputs (hot-plugged by name) and the OSC server, as one stream of events."""

    def __init__(self, cfg: ControlConfig, clock: Callable[[], float], network_count: int,
                 resolve: Callable[[str], Path], show_file: Path | None = None) -> None:
        self.cfg, self.clock, self.network_count = cfg, clock, network_count
        self._stats: Counter[str] = Counter({name: 0 for name in STAT_NAMES})
        self._devices = self._load_devices(cfg, resolve, show_file)
        # One map per controller (see _identity), kept across reconnects so pickup state
        # survives a controller being pulled out and plugged back in.
        self._maps: dict[str, MidiMap] = {}
        self._map_devices: dict[str, _Device] = {}
        self._clocks_seen: set[str] = set()    # clock ports opened before (reconnect count)
        self._connections: dict[str, _Connection] = {}
        self._lock = threading.Lock()          # guards _connections against the watcher
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        # Ports of vanished controllers, closed only RETIRE_SECONDS later (see there).
        self._retired: list[tuple[float, _Connection]] = []
        self._osc: OscServer | None = None
        self._osc_out: OscSender | None = None
        self._osc_sent: dict[str, Any] = {}
        self._learning: LearnRequest | None = None
        self._taps = TapTempo()
        self._tempo_source = cfg.tempo.source
        self._midi_clock = MidiClock()
        self._link: LinkSession | None = None
        self._link_follower = BeatFollower("link", LINK_TOLERANCE_S)
        self._link_tempo_sent: float | None = None   # the tempo last sent to the Link session
        self._clock_out: MidiClockOut | None = None   # opened by the watcher
        self._tempo = parameter("tempo").default      # the show's, for the clock sent out

    @staticmethod
    def _load_devices(cfg: ControlConfig, resolve: Callable[[str], Path],
                      show_file: Path | None) -> list[_Device]:
        ports = cfg.midi.ports
        if ports and len(ports) != len(cfg.midi.maps):
            raise ConfigError(f"[control.midi] ports: expected one substring per map "
                              f"({len(cfg.midi.maps)}), got {len(ports)}")
        devices = []
        for index, value in enumerate(cfg.midi.maps):
            path = find_map(value, resolve)
            midi_map = MidiMap.load(path)
            learned = None if show_file is None else learned_map_path(show_file, path)
            if learned is not None and learned.exists():
                try:
                    midi_map.layer(MidiMap.load(learned))
                except ConfigError as exc:   # the map alone still plays the show
                    log.warning("%s (the show goes on without these learned bindings)", exc)
            devices.append(_Device(midi_map, (ports[index] if ports else "") or midi_map.port,
                                   learned))
        return devices

    def __enter__(self) -> ControlHub:
        if self.cfg.osc.enabled:
            server = OscServer(self.cfg.osc.host, self.cfg.osc.port)
            try:
                self._osc = server.__enter__()
            except OSError as exc:
                raise ConfigError(f"[control.osc] cannot listen on {self.cfg.osc.host}:"
                                  f"{self.cfg.osc.port} ({exc.strerror}): pick another "
                                  f"port, or 0 for any free one") from None
            if self.cfg.osc.send_port:
                self._osc_out = OscSender(self.cfg.osc.send_host, self.cfg.osc.send_port)
                self._osc_out.__enter__()
        if self.cfg.tempo.link:
            self._join_link(parameter("tempo").default)
        if self._devices or self.cfg.tempo.midi_clock_port or self.cfg.tempo.midi_clock_out:
            self._watcher = threading.Thread(target=self._watch, name="midi-hotplug",
                                             daemon=True)
            self._watcher.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=5.0)
        if self._clock_out is not None:
            self._clock_out.__exit__(None, None, None)
            self._clock_out = None
        with self._lock:
            connections, self._connections = list(self._connections.values()), {}
        for connection in connections:
            self._close(connection)
        if self._retired:
            time.sleep(max(0.0, self._retired[-1][0] + RETIRE_SECONDS - time.monotonic()))
            self._close_retired(time.monotonic())
        for port in (self._osc, self._osc_out, self._link):
            if port is not None:
                port.__exit__(None, None, None)
        self._osc = self._osc_out = self._link = None

    @property
    def stats(self) -> dict[str, int]:
        """Counts since start: messages received and ignored per protocol, events made,
        controller (re)connections and learned bindings."""
        return dict(self._stats)

    @property
    def ports(self) -> list[str]:
        """Names of the MIDI ports open right now."""
        with self._lock:
            return sorted(self._connections)

    @property
    def osc_address(self) -> tuple[str, int] | None:
        """Where the OSC server listens (None when it is off)."""
        return self._osc.address if self._osc is not None else None

    def learn(self, answer: str | None) -> None:
        """Arm MIDI learn with an answer such as ``"gain"`` (see :mod:`live.control.learn`);
        None cancels. A bad answer raises ValueError and leaves learn as it was."""
        self._learning = None if answer is None else LearnRequest.parse(answer)

    def poll(self) -> list[ControlEvent]:
        """Every control event since the last call, oldest first; never blocks."""
        events: list[ControlEvent] = []
        now = self.clock()
        with self._lock:  # the watcher must not close a port while it is read
            arrivals = [(port_name, message) for port_name, connection
                        in self._connections.items()
                        for message in connection.midi_in.receive(now)]
        for port_name, (arrival, data) in arrivals:
            self._stats["midi_received"] += 1
            self._midi_events(arrival, port_name, data, events)
        if self._link is not None and self._tempo_source == "link":
            events += self._link_follower.follow(*self._link.read())
        if self._osc is not None:
            messages, bad_packets = self._osc.receive()
            self._stats["osc_received"] += len(messages) + bad_packets
            self._stats["osc_ignored"] += bad_packets
            for address, args in messages:
                if not self._osc_message(now, address, args, events):
                    self._stats["osc_ignored"] += 1
        events.sort(key=lambda event: event.time)
        self._stats["events"] += len(events)
        return events

    def feedback(self, state: ShowState) -> None:
        """Show ``state`` on the controllers' LEDs and to the OSC target; sends only changes.
        Leading (tap tempo), set the Link session's tempo."""
        source = TEMPO_SOURCES[state.tempo_source]
        if source != self._tempo_source:   # what the show was told of a source is stale
            self._tempo_source = source
            self._link_follower.reset()
            self._midi_clock.follower.reset()
        self._tempo = state.tempo
        if self._clock_out is not None:
            self._clock_out.tempo = state.tempo
        if self._link is None and source == "link":
            self._join_link(state.tempo)
        if self._link is not None and source == "tap" and state.tempo != self._link_tempo_sent:
            self._link.lead(state.tempo)
            self._link_tempo_sent = state.tempo
        for midi_map in list(self._maps.values()):
            midi_map.follow(state)
        with self._lock:  # the watcher must not close a port while LEDs are sent to it
            for connection in self._connections.values():
                if connection.midi_out is not None:
                    self._send_leds(connection, state)
        self.send_status(state_messages(state))

    def send_status(self, messages: dict[str, Any]) -> None:
        """Send ``address -> value`` to the OSC target (state-out); only changed values."""
        if self._osc_out is not None:
            for address, value in messages.items():
                if self._osc_sent.get(address) != value and self._osc_out.send(address, value):
                    self._osc_sent[address] = value

    def _join_link(self, tempo: float) -> None:
        """Join the Link session (at ``tempo`` if this show starts it)."""
        self._link = LinkSession(tempo, self.cfg.tempo.link_quantum, self.clock).__enter__()
        log.info("joined the Ableton Link session (%d other peers)", self._link.peers)

    # -- translation (caller's thread) ---------------------------------------------------

    def _midi_events(self, arrival: float, port_name: str, data: list[int],
                     events: list[ControlEvent]) -> None:
        if data and data[0] in CLOCK_STATUSES and self._is_clock(port_name):
            self._stats["clock_ticks"] += data[0] == CLOCK
            clock_events = self._midi_clock.receive(arrival, data)
            if self._tempo_source == "midi_clock":
                events += clock_events
            return
        midi_map = self._maps.get(_identity(port_name))
        message = MidiMessage.from_bytes(data) if midi_map is not None else None
        if message is None:
            self._stats["midi_ignored"] += 1
            return
        if self._learning is not None and message.kind in ("cc", "note"):
            try:
                binding = self._learning.binding_for(message)
            except ValueError as exc:
                log.warning("MIDI learn: %s", exc)
                self._stats["midi_ignored"] += 1
                return
            device = self._map_devices[_identity(port_name)]
            midi_map.bind(binding)
            try:
                if device.learned is None:
                    raise ConfigError("no show file to keep it beside")
                midi_map.learn(binding, device.learned)
                log.warning("MIDI learn: %s saved to %s", binding.target, device.learned)
            except (OSError, ConfigError) as exc:
                log.warning("MIDI learn: %s not saved (%s); it lasts until the show ends",
                            binding.target, exc)
            # Controllers of the same kind plugged in later get the binding too.
            device.midi_map.bind(binding)
            self._learning = None
            self._stats["learned"] += 1
            return
        if midi_map.binding_for(message) is None:
            self._stats["midi_ignored"] += 1
            return
        source = f"midi:{port_name}"
        for name, value in midi_map.translate_message(message):
            if not self._emit(arrival, source, name, value, events):
                self._stats["midi_ignored"] += 1

    def _osc_message(self, now: float, address: str, args: list[Any],
                     events: list[ControlEvent]) -> bool:
        if address == LEARN_CANCEL and not args:
            self._learning = None
            return True
        if address == LEARN:
            if len(args) != 1 or not isinstance(args[0], str):
                return False
            try:
                self.learn(args[0])
            except ValueError:
                return False
            return True
        pairs = events_for_osc(address, args)
        if pairs is None:
            return False
        return all(self._emit(now, "osc", name, value, events) for name, value in pairs)

    def _emit(self, time: float, source: str, name: str, value: float,
              events: list[ControlEvent]) -> bool:
        if name == TAP_TEMPO:
            bpm = self._taps.tap(time)
            if bpm is None:
                return True  # a first tap only starts the count
            name, value = "tempo", bpm
        if not ShowState.accepts(name, value, self.network_count):
            return False
        events.append(ControlEvent(time, source, name, float(value)))
        return True

    def _send_leds(self, connection: _Connection, state: ShowState) -> None:
        assert connection.midi_out is not None
        for message in self._maps[_identity(connection.port_name)].led_messages(state):
            key = message.control
            if connection.leds_sent.get(key) == message.value:
                continue
            try:
                connection.midi_out.send(message)
            except MidiError:
                return  # unplugged under us: the watcher will notice and clean up
            connection.leds_sent[key] = message.value

    # -- hot-plug (watcher thread) -------------------------------------------------------

    def _watch(self) -> None:
        lister: PortLister | None = None
        wait = self.cfg.midi.rescan_seconds
        while not self._stop.is_set():
            try:
                if lister is None:
                    lister = PortLister(self.cfg.midi.api, self.cfg.midi.client_name)
                self._scan(lister)
                wait = self.cfg.midi.rescan_seconds
            except Exception as exc:  # noqa: BLE001 - the show goes on without this scan
                # No MIDI system (JACK not started, no ALSA sequencer) or a port vanished
                # mid-scan. Say so once, then retry less and less often: each failed attempt
                # makes the MIDI libraries print to stderr.
                if wait == self.cfg.midi.rescan_seconds:
                    log.warning("MIDI (%s) not available, retrying: %s", self.cfg.midi.api, exc)
                wait = min(wait * 2, MAX_RETRY_SECONDS)
                if lister is not None:
                    lister.__exit__(None, None, None)
                    lister = None
            self._stop.wait(wait)
        if lister is not None:
            lister.__exit__(None, None, None)

    def _scan(self, lister: PortLister) -> None:
        sources = [p for p in lister.sources() if not self._is_ours(p)]
        with self._lock:
            gone = [c for name, c in self._connections.items() if name not in sources]
            for connection in gone:
                del self._connections[connection.port_name]
            open_names = set(self._connections)
        now = time.monotonic()
        self._retired += [(now, connection) for connection in gone]
        self._stats["midi_disconnects"] += len(gone)
        self._close_retired(now - RETIRE_SECONDS)
        destinations = [p for p in lister.destinations() if not self._is_ours(p)]
        self._open_clock_out(destinations)
        for port_name in sources:
            device = self._device_for(port_name)
            clock = self._is_clock(port_name)
            if port_name in open_names or (device is None and not clock) or \
                    self._stop.is_set():
                continue
            connection = self._open(port_name, device, destinations)
            if connection is not None:
                with self._lock:
                    self._connections[port_name] = connection

    def _device_for(self, port_name: str) -> _Device | None:
        """The first map naming this port; failing that, the first with an empty name."""
        name = port_name.lower()
        named = [d for d in self._devices if d.port and d.port.lower() in name]
        catch_all = [d for d in self._devices if not d.port]
        return (named or catch_all or [None])[0]

    def _open_clock_out(self, destinations: list[str]) -> None:
        """Start sending MIDI clock once its port is there (again, after an unplug)."""
        wanted = self.cfg.tempo.midi_clock_out.lower()
        if not wanted or (self._clock_out is not None and self._clock_out.running):
            return
        matches = [p for p in destinations if wanted in p.lower()]
        if not matches or self._stop.is_set():
            return
        if self._clock_out is not None:   # its port vanished: let it go
            self._clock_out.__exit__(None, None, None)
        self._clock_out = None
        port = MidiOutput(self.cfg.midi.api, matches[0], self.cfg.midi.client_name)
        try:
            port.__enter__()
        except (MidiError, ValueError) as exc:
            log.warning("cannot send MIDI clock to %s: %s", matches[0], exc)
            return
        clock = MidiClockOut(port, self._tempo)
        try:
            self._clock_out = clock.__enter__()
        except MidiError as exc:
            port.__exit__(None, None, None)
            log.warning("cannot send MIDI clock to %s: %s", matches[0], exc)
            return
        log.info("MIDI clock out: %s", matches[0])

    def _is_clock(self, port_name: str) -> bool:
        wanted = self.cfg.tempo.midi_clock_port.lower()
        return bool(wanted) and wanted in port_name.lower()

    def _open(self, port_name: str, device: _Device | None,
              destinations: list[str]) -> _Connection | None:
        """Open a controller (``device``: its map) or a clock port, or both in one."""
        identity = _identity(port_name)
        reconnect = identity in self._maps or identity in self._clocks_seen
        clock = self._is_clock(port_name)
        if device is not None and identity not in self._maps:
            self._map_devices[identity] = device
            self._maps[identity] = copy.deepcopy(device.midi_map)
        if clock:
            self._clocks_seen.add(identity)
        midi_in = MidiInput(self.cfg.midi.api, port_name, self.cfg.midi.client_name,
                            clock=clock)
        try:
            midi_in.__enter__()
        except (MidiError, ValueError) as exc:
            log.warning("cannot open MIDI input %s: %s", port_name, exc)
            return None
        midi_out = None if device is None else \
            self._open_feedback(device, self._maps[identity], destinations)
        self._stats["midi_reconnects" if reconnect else "midi_connects"] += 1
        what = ", ".join(([f"map {self._maps[identity].name}"] if device else []) +
                         (["MIDI clock"] if clock else []))
        log.info("MIDI %s: %s with %s", "reconnected" if reconnect else "connected",
                 port_name, what)
        return _Connection(port_name, midi_in, midi_out)

    def _open_feedback(self, device: _Device, midi_map: MidiMap,
                       destinations: list[str]) -> MidiOutput | None:
        if not self.cfg.midi.feedback or midi_map.led_on is None:
            return None
        matches = [p for p in destinations if device.port.lower() in p.lower()]
        if not device.port or not matches:
            return None
        output = MidiOutput(self.cfg.midi.api, matches[0], self.cfg.midi.client_name)
        try:
            return output.__enter__()
        except (MidiError, ValueError) as exc:
            log.warning("cannot open MIDI output %s for LEDs: %s", matches[0], exc)
            return None

    def _is_ours(self, port_name: str) -> bool:
        return port_name.startswith(self.cfg.midi.client_name)

    def _close_retired(self, before: float) -> None:
        """Close the ports of controllers that went away before ``before``."""
        while self._retired and self._retired[0][0] <= before:
            self._close(self._retired.pop(0)[1])

    @staticmethod
    def _close(connection: _Connection) -> None:
        for port in (connection.midi_in, connection.midi_out):
            if port is not None:
                port.__exit__(None, None, None)


def _identity(port_name: str) -> str:
    """A port's name without ALSA's client:port numbers, which change when a controller is
    plugged in again ("nanoKONTROL2:nanoKONTROL2 MIDI 1 20:0" may come back as "... 24:0")."""
    return re.sub(r"\s+\d+:\d+$", "", port_name)
