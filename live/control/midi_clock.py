"""Following MIDI clock: 24 ticks per beat, start / stop / continue and song position (pure).

A drum machine or a DAW sends ``0xF8`` 24 times a beat while it plays. :class:`MidiClock`
counts the ticks into a beat position, fits the tempo to the last bar's worth of ticks (so
one late tick moves it a little), and hands each whole beat to a
:class:`~live.control.tempo.BeatFollower`, which says when the show must be told::

    clock = MidiClock()
    for arrival, data in port.receive(now):
        events += clock.receive(arrival, data)

Dropouts: once the tempo is known, ticks are counted on the time grid. A gap of k intervals
is k ticks, so ticks lost on the way (a MIDI system that misses a cycle drops them) still
count; and when late ticks come in a burst, the first stands for all of them and the rest,
arriving together, count for nothing. Either way the count stays right and the next whole
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
MIN_TICKS = 2 * TICKS_PER_BEAT     # ticks needed before a first tempo (two beats)
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
        self.tempo: float | None = None   # beats per minute, None until ticks have told it
        # (tick number, arrival) of the recent ticks that counted, for the tempo fit.
        self._ticks: deque[tuple[int, float]] = deque(maxlen=TICKS_AVERAGED + 1)
        self._last: tuple[int, float] | None = None   # the last tick that counted

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
            self._resume()   # a jump: the next beat is told, whatever the drift
        elif status == CLOCK:
            return self._tick(time)
        return []

    def _tick(self, time: float) -> list[ControlEvent]:
        # Senders tick while stopped too: the tempo is kept up to date all along.
        steps = 1
        if self._last is not None:
            gap = time - self._last[1]
            if gap > STALLED_S:
                self._ticks.clear()
                self.tempo = None
                self.follower.reset()
            elif self.tempo is not None:
                # Ticks on the time grid: a gap of k intervals is k ticks (ones lost on the
                # way count), and the rest of a burst of late ones, arriving together, none.
                steps = round(gap * self.tempo * TICKS_PER_BEAT / 60.0)
                if steps == 0:
                    return []
        number = (self._last[0] if self._last else -1) + steps
        self._last = (number, time)
        self._ticks.append(self._last)
        self.tempo = self._fitted_tempo() or self.tempo
        if not self.running:
            return []
        before, self.position = self.position, self.position + steps
        if self.tempo is None or (self.position - 1) // TICKS_PER_BEAT == \
                (before - 1) // TICKS_PER_BEAT:
            return []
        # This tick is, or (after a loss) passed, a whole beat: where the show should be.
        return self.follower.follow(time, (self.position - 1) / TICKS_PER_BEAT, self.tempo)

    def _fitted_tempo(self) -> float | None:
        """Beats per minute fitted to the recent ticks; None while they are too few."""
        if len(self._ticks) < MIN_TICKS:
            return None
        # The interval is the least-squares slope of arrival against tick number: one late
        # tick moves it far less than a first-to-last difference would, and lost ones (gaps
        # in the numbers) not at all.
        count = len(self._ticks)
        mean_n = sum(n for n, _ in self._ticks) / count
        mean_t = sum(t for _, t in self._ticks) / count
        spread = sum((n - mean_n) ** 2 for n, _ in self._ticks)
        interval = sum((n - mean_n) * (t - mean_t) for n, t in self._ticks) / spread
        return 60.0 / (interval * TICKS_PER_BEAT) if interval > 0 else None

    def _resume(self) -> None:
        """Playing (again), or from another song position: the pause is no tempo, and the
        next beat is told."""
        self._ticks.clear()
        self._last = None
        self.follower.reset()
