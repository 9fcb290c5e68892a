"""Real MIDI without hardware: a private JACK dummy server and fake controllers on it.

Used by the control tests and ``benchmarks/bench_control.py``. The kernel of CI machines has
no ALSA sequencer, so the ports are JACK ports (python-rtmidi's JACK API); the hub under
test opens them exactly as it opens a USB controller.
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import os
import shutil
import signal
import subprocess
import threading
import time
import uuid
from typing import Callable, Iterator
from unittest import mock

import rtmidi

from live.control.hub import RETIRE_SECONDS
from live.control.ports import MidiOutput


PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


class JackUnavailable(RuntimeError):
    """No JACK here: the message says what is missing."""


def wait_for(condition: Callable[[], object], timeout: float = 5.0) -> bool:
    """Poll ``condition`` until it is true or ``timeout`` seconds pass; its last verdict."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return bool(condition())


@contextlib.contextmanager
def dummy_jack_server(period: int = 128, rate: int = 48000) -> Iterator[str]:
    """Run ``jackd -d dummy`` under a fresh name, exported to every client of this process
    (and its children) through JACK_DEFAULT_SERVER. ``period`` frames per cycle sets how
    often MIDI moves: 128 at 48 kHz is every 2.7 ms."""
    if shutil.which("jackd") is None:
        raise JackUnavailable("jackd is not installed (apt-get install jackd2)")
    if rtmidi.API_UNIX_JACK not in rtmidi.get_compiled_api():
        raise JackUnavailable("python-rtmidi was built without JACK support")
    name = f"gance-test-{uuid.uuid4().hex[:8]}"
    server = subprocess.Popen(
        ["jackd", "--no-realtime", "-n", name, "-d", "dummy", "-r", str(rate),
         "-p", str(period)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        preexec_fn=_die_with_parent)
    try:
        with mock.patch.dict(os.environ, {"JACK_DEFAULT_SERVER": name}):
            if not wait_for(lambda: _jack_answers() or server.poll() is not None, timeout=15):
                raise JackUnavailable("jackd did not start within 15 s")
            if server.poll() is not None:
                raise JackUnavailable(f"jackd exited at start with status {server.returncode}")
            yield name
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _die_with_parent() -> None:
    """In the child before exec: ask Linux to end jackd if the process that started it dies
    without cleaning up (a crash), so no server outlives a test run."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _jack_answers() -> bool:
    try:
        rtmidi.MidiIn(rtmidi.API_UNIX_JACK, name="gance-test-probe").delete()
        return True
    except rtmidi.RtMidiError:
        return False


class FakeController:
    """A controller made of two virtual JACK ports: ``send`` plays its knobs and pads, and
    ``leds`` is what the show has sent back to it so far.

        with FakeController("APC MINI") as apc:
            apc.send([0x90, 3, 127])
    """

    def __init__(self, port: str, client: str | None = None) -> None:
        self.port = port
        self.client = client or f"fake-{uuid.uuid4().hex[:6]}"
        self._received: list[list[int]] = []
        self._out = MidiOutput("jack", f"{port} out", self.client, virtual=True)
        self._in: rtmidi.MidiIn | None = None

    @property
    def source(self) -> str:
        """The name the show sees for this controller's output."""
        return f"{self.client}:{self.port} out"

    @property
    def leds(self) -> list[list[int]]:
        """Every message the show sent to the controller, oldest first."""
        assert self._in is not None, "use FakeController as a context manager"
        while (item := self._in.get_message()) is not None:
            self._received.append(item[0])
        return list(self._received)

    def __enter__(self) -> FakeController:
        self._out.__enter__()
        # Read by polling: no Python on JACK's thread (see live.control.ports.MidiInput).
        self._in = rtmidi.MidiIn(rtmidi.API_UNIX_JACK, name=self.client + "-leds")
        self._in.ignore_types(sysex=True, timing=False, active_sense=True)   # MIDI clock too
        self._in.open_virtual_port(f"{self.port} in")
        return self

    def __exit__(self, *exc_info: object) -> None:
        # The show's ports may have just closed; rtmidi (JACK) can crash closing a port
        # while JACK still processes its peer's disconnection (ControlHub waits too).
        time.sleep(RETIRE_SECONDS)
        self._out.__exit__(None, None, None)
        if self._in is not None:
            self._in.close_port()
            self._in.delete()
            self._in = None

    def send(self, data: list[int]) -> None:
        self._out.send(data)


class ClockSender:
    """A drum machine's MIDI clock on a :class:`FakeController`: start, then 24 ticks a beat
    at ``bpm``, sent from a thread on an absolute schedule. ``sent`` holds the monotonic time
    of each tick as it went out (tick ``i`` is beat ``i / 24``).

        with FakeController("Clock Box") as box, ClockSender(box, 90.0) as clock:
            ...
    """

    def __init__(self, controller: FakeController, bpm: float) -> None:
        self.controller, self.interval = controller, 60.0 / bpm / 24
        self.sent: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="midi-clock", daemon=True)

    def __enter__(self) -> ClockSender:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5.0)
        self.controller.send([0xFC])

    def _run(self) -> None:
        self.controller.send([0xFA])
        start = time.monotonic()
        for tick in itertools.count():
            due = start + tick * self.interval
            if self._stop.wait(max(0.0, due - time.monotonic())):
                return
            self.controller.send([0xF8])
            self.sent.append(time.monotonic())
