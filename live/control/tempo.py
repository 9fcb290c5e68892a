"""The show's beat: tap tempo from a few button presses, and the beat position of each frame
(pure, so replays agree)."""

from __future__ import annotations

from collections import deque

from live.contracts.parameters import parameter

TAPS_AVERAGED = 4      # intervals averaged, so one sloppy tap moves the tempo a little
RESET_SECONDS = 2.0    # a pause longer than this (30 bpm) starts a new count


class TapTempo:
    """Feed it tap times; from the second tap on it answers beats per minute."""

    def __init__(self) -> None:
        self._taps: deque[float] = deque(maxlen=TAPS_AVERAGED + 1)

    def tap(self, time: float) -> float | None:
        """Register a tap at ``time`` seconds; the tempo so far, or None after a first tap."""
        if self._taps and not 0.0 < time - self._taps[-1] <= RESET_SECONDS:
            self._taps.clear()
        self._taps.append(time)
        if len(self._taps) < 2:
            return None
        beat = (self._taps[-1] - self._taps[0]) / (len(self._taps) - 1)
        low, high = parameter("tempo").range
        return min(max(60.0 / beat, low), high)


class BeatClock:
    """The beat position of each frame: beats since frame 0 at the tempo in force.

    Fed frame indices in order with the show's ``tempo``, it integrates tempo over show time
    (``index / fps`` seconds), so a tempo change bends the beat from that frame on and a
    replayed show lands on the same beats. Beat-synced moves (strobe, beat moves) read the
    fractional part as the phase and count whole beats crossed.

    >>> clock = BeatClock(fps=30)
    >>> clock.at(15, 120.0)   # half a second at 120 bpm
    1.0
    >>> clock.at(30, 60.0)    # then half a second at 60 bpm
    1.5
    """

    def __init__(self, fps: int) -> None:
        self.fps = fps
        self.index = 0
        self.beat = 0.0

    def at(self, index: int, tempo: float) -> float:
        """The beat position of frame ``index``. A frame asked after a later one (live, a
        slow worker's frame is bound further ahead than a fast one's) is counted back from
        that one at ``tempo``, leaving the clock where it is."""
        if index < self.index:
            return self.beat - (self.index - index) / self.fps * tempo / 60.0
        self.beat += (index - self.index) / self.fps * tempo / 60.0
        self.index = index
        return self.beat
