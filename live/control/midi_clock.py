"""Following MIDI clock: 24 ticks per beat, start / stop / continue and song position (pure).

A drum machine or a DAW sends ``0xF8`` 24 times a beat while it plays. :class:`MidiClock`
counts the ticks into a beat position, fits the tempo to the last bar's worth of ticks (so
one late tick moves it a little), and hands each whole beat to a
:class:`~live.control.tempo.BeatFollower`, which says when the show must be told::

    clock = MidiClock()
    for arrival, data in port.receive(now):
        events += clock.receive(arrival, data)

Dropouts: every tick is counted as it comes. A busy MIDI system (or a cable's hiccup) delivers
late ticks in a burst rather than losing them, so guessing "lost" ticks from a gap would count
them twice; the fit over a bar keeps a burst from moving the tempo much, and the next whole
beat puts the show's beat right again. A pause longer than :data:`STALLED_S` (the sender
stopped without a stop message) starts the tempo estimate again. Senders keep ticking while
stopped, so the tempo is known again the moment they continue.
"""

from __future__ import annotations

from collections import deque
from typing import Sequence

from live.contracts.state import ControlEvent
from live.control.tempo import BeatFollower

TICKS_PER_BEAT = 24
TICKS_PER_SIXTEENTH = 6           # song position counts sixteenth notes
TICKS_AVERAGED = 4 * TICKS_PER_BEAT  # the tempo is fitted to the ticks of the last bar
MIN_TICKS = TICKS_PER_BEAT         # ticks needed before a first tempo (a beat)
STALLED_S = 1.0                   # no tick for this long: the estimate starts again
TOLERANCE_S = 0.003               # MIDI jitter below this is not corrected
TEMPO_STEP = 0.5                  # bpm; smaller moves of the estimate are MIDI's jitter

CLOCK, START, CONTINUE, STOP, SONG_POSITION = 0xF8, 0xFA, 0xFB, 0xFC, 0xF2
CLOCK_STATUSES = frozenset((CLOCK, START, CONTINUE, STOP, SONG_POSITION))


class MidiClock:
    """Feed it every message of a clock port; it answers the show's tempo and beat events."""

    def __init__(self, source: str = "midi_clock", tolerance: float = TOLERANCE_S) -> None:
        self.follower = BeatFollower(source, tolerance, TEMPO_STEP)
        self.running = False
        self.position = 0                 # the tick the next clock message stands for
        self._ticks: deque[float] = deque(maxlen=TICKS_AVERAGED + 1)  # their arrival times
        self._resumed_tempo: float | None = None  # the tempo before a pause, while ticks refill

    @property
    def tempo(self) -> float | None:
        """Beats per minute from the recent ticks; None until enough have come."""
        count = len(self._ticks)
        if count < MIN_TICKS:
            return self._resumed_tempo
        # The interval is the least-squares slope of arrival against tick number: one late
        # tick (a busy MIDI system delivers in bursts) moves it far less than a first-to-last
        # difference would.
        middle = (count - 1) / 2
        mean = sum(self._ticks) / count
        slope = sum((i - middle) * (t - mean) for i, t in enumerate(self._ticks))
        interval = slope / sum((i - middle) ** 2 for i in range(count))
        return 60.0 / (interval * TICKS_PER_BEAT)

    def receive(self, time: float, data: Sequence[int]) -> list[ControlEvent]:
        """The events one message calls for; anything but clock messages is ignored."""
        if not data:
            return []
        status = data[0]
        if status == START:
            self.running, self.position = True, 0
            self._resume()
        elif status == CONTINUE:
            self.running = True
            self._resume()
        elif status == STOP:
            self.running = False
        elif status == SONG_POSITION and len(data) == 3:
            self.position = (data[1] | data[2] << 7) * TICKS_PER_SIXTEENTH
            self.follower.reset()   # a jump: the next beat is told, whatever the drift
        elif status == CLOCK:
            return self._tick(time)
        return []

    def _tick(self, time: float) -> list[ControlEvent]:
        # Senders tick while stopped too: the tempo is kept up to date all along.
        if self._ticks and time - self._ticks[-1] > STALLED_S:
            self._ticks.clear()
            self._resumed_tempo = None
            self.follower.reset()
        self._ticks.append(time)
        if not self.running:
            return []
        position, self.position = self.position, self.position + 1
        tempo = self.tempo
        if tempo is None or position % TICKS_PER_BEAT:
            return []
        return self.follower.follow(time, position / TICKS_PER_BEAT, tempo)

    def _resume(self) -> None:
        """Playing (again): the pause is no dropout, and the next beat is told."""
        self._resumed_tempo = self.tempo
        self._ticks.clear()
        self.follower.reset()
