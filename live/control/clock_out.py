"""Sending MIDI clock: the show's tempo as 24 ticks a beat to a drum machine or a DAW (I/O).

When the show leads (tap tempo, or the music's analysis), ``[control.tempo] midi_clock_out``
names an output port; :class:`MidiClockOut` sends start there, then ticks from its own
thread on an absolute schedule at the tempo the hub last set, and stop at the end::

    with MidiClockOut(port) as clock:
        clock.tempo = 128.0
"""

from __future__ import annotations

import threading
import time

from live.control.midi_clock import CLOCK, START, STOP, TICKS_PER_BEAT
from live.control.ports import MidiError, MidiOutput


class MidiClockOut:
    """Start, 24 ticks per beat at :attr:`tempo`, stop: on an opened output port."""

    def __init__(self, port: MidiOutput, tempo: float = 120.0) -> None:
        self.port, self.tempo = port, tempo
        self.ticks = 0
        self.running = False   # until the port goes away
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="midi-clock-out", daemon=True)

    def __enter__(self) -> MidiClockOut:
        self.port.send([START])
        self.running = True
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5.0)
        try:
            self.port.send([STOP])
        except MidiError:
            pass   # the port went away: nobody is left to stop
        self.port.__exit__(None, None, None)

    def _run(self) -> None:
        due = time.monotonic()
        while True:
            # Each tick is due one interval at the tempo of the moment after the last, so a
            # tempo change bends the schedule from there and a late tick does not shift it.
            due += 60.0 / (self.tempo * TICKS_PER_BEAT)
            if self._stop.wait(max(0.0, due - time.monotonic())):
                return
            try:
                self.port.send([CLOCK])
            except MidiError:
                self.running = False   # unplugged: the hub's watcher opens it again
                return
            self.ticks += 1
