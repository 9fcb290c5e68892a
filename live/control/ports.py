"""MIDI ports through python-rtmidi: listing, one input, one output (all I/O, no mapping).

Ports are context managers, like mido's::

    with MidiInput("jack", "nanoKONTROL2:out", "gance-live") as port:
        for arrival, data in port.receive(now=clock()):
            ...

A show machine uses ALSA; JACK works wherever a JACK server runs (the tests use
``jackd -d dummy``, since these kernels have no ALSA sequencer).
"""

from __future__ import annotations

import os
from typing import Callable, Sequence, TypeVar

import rtmidi

from live.control.midi import MidiMessage

APIS = {"alsa": rtmidi.API_LINUX_ALSA, "jack": rtmidi.API_UNIX_JACK}

ALSA_SEQUENCER = "/dev/snd/seq"  # the device every ALSA MIDI client opens
ALSA_UNAVAILABLE = (f"no ALSA sequencer on this machine ({ALSA_SEQUENCER} is missing or not "
                    f"accessible); controllers work over JACK: [control.midi] api = \"jack\"")

QUEUE_SIZE = 4096  # messages rtmidi keeps between two reads: a second of fast fader moves

# rtmidi raises its own SystemError (no server, no sequencer) and friends, all RtMidiError.
MidiError = rtmidi.RtMidiError

Client = TypeVar("Client", rtmidi.MidiIn, rtmidi.MidiOut)


def _client(kind: type[Client], api: str, **options: object) -> Client:
    """A new rtmidi client of ``api``; MidiError when that MIDI system is not there.

    Without an ALSA sequencer the library is not even asked: each attempt would print
    "ALSA lib seq_hw.c ... open /dev/snd/seq failed" on stderr, and hot-plug scans retry
    all show long. The error says it in one line instead, which the caller logs once.
    """
    if api == "alsa" and not os.access(ALSA_SEQUENCER, os.R_OK | os.W_OK):
        raise MidiError(ALSA_UNAVAILABLE)
    return kind(APIS[api], **options)


def list_midi_ports(api: str | None = None) -> list[str]:
    """Input ports the system offers, for ``gance-live devices`` and config writing.

    With ``api`` ("alsa" or "jack"): that system's port names, as a map's ``port``
    substring should match them. Without: every system that answers, each name followed
    by its system in brackets, e.g. ``"nanoKONTROL2:nanoKONTROL2 MIDI 1 20:0 [alsa]"``.
    A system that is not running lists nothing rather than failing.
    """
    if api is not None:
        return input_port_names(api)
    names = []
    for name in APIS:
        if APIS[name] in rtmidi.get_compiled_api():
            names += [f"{port} [{name}]" for port in input_port_names(name)]
    return names


def input_port_names(api: str, client_name: str = "gance-live-list") -> list[str]:
    """Input port names of one system; [] when that system is not there."""
    try:
        lister = _client(rtmidi.MidiIn, api, name=client_name)
    except MidiError:
        return []
    try:
        return lister.get_ports()
    finally:
        lister.delete()


class PortLister:
    """A long-lived client for listing ports again and again (hot-plug scans).

    Creating a client per scan would add and remove a JACK client every second.
    """

    def __init__(self, api: str, client_name: str) -> None:
        self._inputs = _client(rtmidi.MidiIn, api, name=client_name)
        try:
            self._outputs = _client(rtmidi.MidiOut, api, name=client_name)
        except MidiError:
            self._inputs.delete()
            raise

    def __enter__(self) -> PortLister:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._inputs.delete()
        self._outputs.delete()

    def sources(self) -> list[str]:
        """Ports that send MIDI to us (controllers)."""
        return self._inputs.get_ports()

    def destinations(self) -> list[str]:
        """Ports that take MIDI from us (controllers' LEDs)."""
        return self._outputs.get_ports()


class _OpenedPort:
    """What both port kinds share: rtmidi's client object while the port is open."""

    _midi: rtmidi.MidiIn | rtmidi.MidiOut | None = None

    def _open(self, midi: rtmidi.MidiIn | rtmidi.MidiOut, open_port: Callable[[], None]) -> None:
        """Open with ``open_port()``; on failure free the client before raising."""
        try:
            open_port()
        except (MidiError, ValueError):
            midi.delete()
            raise
        self._midi = midi

    def __exit__(self, *exc_info: object) -> None:
        if self._midi is not None:
            self._midi.close_port()
            self._midi.delete()
            self._midi = None


class MidiInput(_OpenedPort):
    """One opened input port, read by polling: ``receive(now)`` returns what arrived.

    rtmidi queues messages on its own thread; no Python runs there. (Callbacks would run
    Python on JACK's real-time thread, and python-rtmidi's ``cancel_callback`` can race a
    callback in flight: closing a port while a message arrives could crash the process.)
    """

    def __init__(self, api: str, port_name: str, client_name: str, *,
                 clock: bool = False) -> None:
        self.api, self.port_name, self.client_name = api, port_name, client_name
        self.clock = clock   # pass MIDI clock through (rtmidi drops it by default)
        self._last_arrival: float | None = None

    def __enter__(self) -> MidiInput:
        midi = _client(rtmidi.MidiIn, self.api, name=self.client_name,
                       queue_size_limit=QUEUE_SIZE)
        midi.ignore_types(sysex=True, timing=not self.clock, active_sense=True)
        self._open(midi, lambda: midi.open_port(_index_of(midi.get_ports(), self.port_name),
                                                name="in"))
        return self

    def receive(self, now: float) -> list[tuple[float, list[int]]]:
        """``[(arrival time, bytes), ...]`` since the last call, oldest first; never blocks.

        rtmidi measures the gap before each message as it arrives; arrival times are rebuilt
        from those gaps on the caller's clock (``now`` is its current time), the newest put
        no later than ``now``. So intervals between messages, which tap tempo needs, stay
        exact even when this is called only once per frame.
        """
        assert self._midi is not None, "use MidiInput as a context manager"
        batch, offsets, elapsed = [], [], 0.0
        while (item := self._midi.get_message()) is not None:
            data, gap = item
            elapsed += gap
            batch.append(data)
            offsets.append(elapsed)
        if not batch:
            return []
        start = now - elapsed if self._last_arrival is None else \
            min(self._last_arrival, now - elapsed)
        self._last_arrival = start + elapsed
        return [(start + offset, data) for offset, data in zip(offsets, batch, strict=True)]


class MidiOutput(_OpenedPort):
    """One opened output port, for LEDs; or, in tests, a virtual port playing a controller."""

    def __init__(self, api: str, port_name: str, client_name: str, *,
                 virtual: bool = False) -> None:
        self.api, self.port_name, self.client_name = api, port_name, client_name
        self.virtual = virtual

    def __enter__(self) -> MidiOutput:
        midi = _client(rtmidi.MidiOut, self.api, name=self.client_name)
        if self.virtual:
            self._open(midi, lambda: midi.open_virtual_port(self.port_name))
        else:
            self._open(midi, lambda: midi.open_port(_index_of(midi.get_ports(), self.port_name),
                                                    name="out"))
        return self

    def send(self, message: MidiMessage | Sequence[int]) -> None:
        """Send a message (or raw bytes, which tests use to send anything at all)."""
        assert self._midi is not None, "use MidiOutput as a context manager"
        data = message.to_bytes() if isinstance(message, MidiMessage) else list(message)
        self._midi.send_message(data)


def _index_of(ports: list[str], name: str) -> int:
    # Port lists can change between scans, so the index is looked up right before opening.
    if name not in ports:
        raise ValueError(f"MIDI port '{name}' is gone")
    return ports.index(name)
