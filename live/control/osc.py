"""OSC: the address tree, turning messages into events (pure), and the UDP ports (I/O).

Every show parameter has an address under ``/live`` taking one argument; the same addresses
go out to the configured target whenever a value changes, so a TouchOSC fader bound to
``/live/gain`` both drives the gain and shows it. ``gance-live osc-doc`` prints the tree.
"""

from __future__ import annotations

import socket
from typing import Any, NamedTuple, Sequence

from pythonosc.osc_message_builder import build_msg
from pythonosc.osc_packet import OscPacket

from live.contracts.parameters import INDEX_KINDS, PARAMETERS, parameter, remote_actions
from live.contracts.state import ShowState

PREFIX = "/live"
LEARN = PREFIX + "/learn"
LEARN_CANCEL = PREFIX + "/learn/cancel"
MAX_DATAGRAM = 65536
RECEIVE_BUFFER = 1 << 20  # room for a burst from a busy layout between two polls

# What each kind of declared argument takes, as osc-doc says it.
_PARAMETER_ARGUMENTS = {"network": "int network index", "bool": "0 or 1 (T/F too)"}
_ACTION_ARGUMENTS = {"press": "none, or 1 on press",
                     "index": "int N >= 0 (cues and songs count from 0, scenes from 1)"}


class OscAddress(NamedTuple):
    """One documented address: what it takes and what it does."""

    address: str
    argument: str
    help: str


def address_tree() -> list[OscAddress]:
    """Every address the server understands, parameters first."""
    rows = []
    for declared in PARAMETERS:
        if declared.kind == "float":
            low, high = declared.range
            argument = f"float {low:g}..{high:g}"
        elif declared.kind == "choice":
            argument = "int 0-based or name: " + " | ".join(declared.choices)
        else:
            argument = _PARAMETER_ARGUMENTS[declared.kind]
        rows.append(OscAddress(f"{PREFIX}/{declared.name}", argument, declared.help))
    rows += [OscAddress(PREFIX + a.osc, _ACTION_ARGUMENTS[a.argument], a.help)
             for a in remote_actions()]
    rows += [
        OscAddress(LEARN, "string, e.g. \"gain\" or \"network 2\"",
                   "MIDI learn: the next control moved on any controller is bound to this "
                   "and appended to that controller's map file"),
        OscAddress(LEARN_CANCEL, "none", "forget a pending MIDI learn"),
    ]
    return rows


def osc_doc() -> str:
    """The tree as text for ``gance-live osc-doc``."""
    rows = address_tree()
    width = max(len(r.address) for r in rows)
    arg_width = max(len(r.argument) for r in rows)
    lines = ["OSC addresses (UDP). Parameter addresses are also sent out on change.", ""]
    lines += [f"{r.address:<{width}}  {r.argument:<{arg_width}}  {r.help}" for r in rows]
    return "\n".join(lines)


_ACTION_ADDRESSES = {PREFIX + a.osc: a for a in remote_actions()}


def events_for_osc(address: str, args: Sequence[Any]) -> list[tuple[str, float]] | None:
    """The ``(name, value)`` events of one OSC message; None when it is not understood.

    [] means understood but nothing to do (a button's release). Values are not range
    checked here: the hub checks every event against the show state's limits.
    """
    action = _ACTION_ADDRESSES.get(address)
    if action is not None and action.argument == "press":
        # A button sends 1 on press and 0 on release: only 0.5 or more (or nothing) fires.
        if not args:
            return [(action.name, 1.0)]
        if len(args) != 1 or _number(args[0]) is None:
            return None
        return [(action.name, 1.0)] if _number(args[0]) >= 0.5 else []
    if action is not None:
        number = _number(args[0]) if len(args) == 1 else None
        return None if number is None else [(action.name, number)]
    prefix, _, name = address.rpartition("/")
    declared = parameter(name)
    if prefix != PREFIX or declared is None or len(args) != 1:
        return None
    if isinstance(args[0], str) and args[0] in declared.choices:   # a choice by its name
        return [(name, float(declared.choices.index(args[0])))]
    value = _number(args[0])
    return None if value is None else [(name, value)]


def state_messages(state: ShowState) -> dict[str, Any]:
    """The address and typed value of every parameter, as sent to the feedback target."""
    values: dict[str, Any] = {}
    for declared in PARAMETERS:
        value = getattr(state, declared.name)
        # TouchOSC toggles and faders read floats; network and choice indices stay integers.
        values[f"{PREFIX}/{declared.name}"] = int(value) if declared.kind in INDEX_KINDS \
            else float(value)
    return values


def _number(arg: Any) -> float | None:
    if isinstance(arg, bool):
        return float(arg)
    if isinstance(arg, (int, float)):
        return float(arg)
    return None


class OscServer:
    """A UDP socket read without blocking: ``receive()`` returns what arrived since last time.

        with OscServer("127.0.0.1", 8000) as server:
            messages, bad_packets = server.receive()
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._socket: socket.socket | None = None

    def __enter__(self) -> OscServer:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
            sock.bind((self.host, self.port))
        except OSError:
            sock.close()
            raise
        sock.setblocking(False)
        self._socket = sock
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    @property
    def address(self) -> tuple[str, int]:
        """Where it listens (the real port when the config asked for 0)."""
        assert self._socket is not None, "use OscServer as a context manager"
        return self._socket.getsockname()[:2]

    def receive(self) -> tuple[list[tuple[str, list[Any]]], int]:
        """``([(address, args), ...], packets that could not be parsed)``; never blocks."""
        assert self._socket is not None, "use OscServer as a context manager"
        messages: list[tuple[str, list[Any]]] = []
        bad = 0
        while True:
            try:
                datagram = self._socket.recv(MAX_DATAGRAM)
            except BlockingIOError:
                return messages, bad
            except OSError:  # a transient socket error: what arrived so far is still good
                return messages, bad
            try:
                packet = OscPacket(datagram)
                messages += [(m.message.address, list(m.message.params))
                             for m in packet.messages]
            except Exception:  # python-osc raises more than ParseError on hostile bytes
                bad += 1


class OscSender:
    """Sends OSC messages to one target; a target that is not listening is not an error."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self._socket: socket.socket | None = None

    def __enter__(self) -> OscSender:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.setblocking(False)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def send(self, address: str, value: Any) -> bool:
        """Send one message; False when the system refused it (full buffer, no route)."""
        assert self._socket is not None, "use OscSender as a context manager"
        try:
            self._socket.sendto(build_msg(address, value).dgram, self.target)
            return True
        except OSError:
            return False
