"""Following MIDI clock: 24 ticks per beat, start / stop / continue and song position (pure).

A drum machine or a DAW sends ``0xF8`` 24 times a beat while it plays. :class:`MidiClock`
counts the ticks into a beat position, estimates the tempo from the last beat's worth of
ticks (so one late tick moves it a little), and hands each whole beat to a
:class:`~live.control.tempo.BeatFollower`, which says when the show must be told::

    clock = MidiClock()
    for arrival, data in port.receive(now):
        events += clock.receive(arrival, data)

Dropouts: a tick that comes more than half an interval late means ticks were lost; up to half
a beat of them are counted as if they had come, so the beat count stays right, and the gap is
left out of the tempo estimate. A longer pause (the sender stopped without a stop message)
starts the estimate again. Senders keep ticking while stopped, so the tempo is known again
the moment they continue.
"""

from __future__ import annotations

from collections import deque
from typing import Sequence

from live.contracts.state import ControlEvent
from live.control.tempo import BeatFollower

TICKS_PER_BEAT = 24
TICKS_PER_SIXTEENTH = 6           # song position counts sixteenth notes
TICKS_AVERAGED = TICKS_PER_BEAT   # the tempo is the mean tick interval over the last beat
MIN_TICKS = 6                     # ticks needed before a first tempo (a quarter beat)
STALLED_S = 1.0                   # no tick for this long: the estimate starts again
MAX_LOST = TICKS_PER_BEAT // 2    # more ticks missing than this: the sender paused
TOLERANCE_S = 0.003               # MIDI jitter below this is not corrected
TEMPO_STEP = 0.5                  # bpm; the estimate jitters less, MIDI's timing being coarse

CLOCK, START, CONTINUE, STOP, SONG_POSITION = 0xF8, 0xFA, 0xFB, 0xFC, 0xF2
CLOCK_STATUSES = frozenset((CLOCK, START, CONTINUE, STOP, SONG_POSITION))


class MidiClock:
    """Feed it every message of a clock port; it answers the show's tempo and beat events."""

    def __init__(self, source: str = "midi_clock", tolerance: float = TOLERANCE_S) -> None:
        self.follower = BeatFollower(source, tolerance, TEMPO_STEP)
        self.running = False
        self.position = 0                 # the tick the next clock message stands for
        self._ticks: deque[float] = deque(maxlen=TICKS_AVERAGED + 1)  # their arrival times
        self._before_dropout: float | None = None  # the tempo while ticks refill after one

    @property
    def tempo(self) -> float | None:
        """Beats per minute from the recent ticks; None until enough have come."""
        if len(self._ticks) < MIN_TICKS:
            return self._before_dropout
        interval = (self._ticks[-1] - self._ticks[0]) / (len(self._ticks) - 1)
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
        tempo = self.tempo
        if self._ticks:
            gap = time - self._ticks[-1]
            lost = -1 if tempo is None else round(gap * tempo * TICKS_PER_BEAT / 60.0) - 1
            if gap > STALLED_S or lost > MAX_LOST:
                self._ticks.clear()
                self._before_dropout = None
                self.follower.reset()
            elif lost > 0:   # ticks that never came: counted, and left out of the tempo
                self.position += lost if self.running else 0
                self._ticks.clear()
                self._before_dropout = tempo
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
        self._before_dropout = self.tempo
        self._ticks.clear()
        self.follower.reset()
