"""The show's beat: tap tempo from a few button presses, the beat position of each frame,
and following an outside clock (Ableton Link, MIDI clock) through logged events (all pure, so
replays agree).

An outside clock never moves the show's beat directly. Its followers turn what it says into
``tempo`` and ``beat_sync`` events (the beat position the clock had at the event's show time);
the conductor applies, logs and replays them like any other event, and :class:`BeatClock`
computes every frame's beat from them, so a rendered replay lands on the same beats. The
music's own beat (``analysis``) is read from each frame's audio features instead, which a
render reads from the file's analysis, so it lands on the same beats too (:func:`on_the_music`).
"""

from __future__ import annotations

from collections import deque

from live.contracts.parameters import parameter
from live.contracts.state import ControlEvent

TAPS_AVERAGED = 4      # intervals averaged, so one sloppy tap moves the tempo a little
RESET_SECONDS = 2.0    # a pause longer than this (30 bpm) starts a new count
# The music's beat phase wobbles by a hop or so between estimates (10 ms at 48 kHz): a frame's
# beat is moved onto it only when further off than this, so the beat does not jitter.
MUSIC_TOLERANCE_S = 0.03
# The show's tempo parameter (HUD, state-out to layouts) follows the music's estimate, which
# wobbles by a tenth of a bpm between estimates, once it has moved by this much.
MUSIC_TEMPO_STEP = 0.5


def on_the_music(beat: float, phase: float, tempo: float,
                 tolerance: float = MUSIC_TOLERANCE_S) -> float | None:
    """The beat nearest to ``beat`` whose phase (fraction of a beat) is the music's ``phase``
    at ``tempo`` bpm, or None when ``beat`` is within ``tolerance`` seconds of it already.

    >>> on_the_music(7.80, 0.0, 120.0)    # 0.1 s before the music's beat 8
    8.0
    >>> on_the_music(8.02, 0.0, 120.0) is None   # 10 ms after it: close enough
    True
    >>> round(on_the_music(3.0, 0.75, 60.0), 2)   # a quarter beat early: back to 2.75
    2.75
    """
    stray = (phase - beat + 0.5) % 1.0 - 0.5    # beats, -0.5 up to 0.5
    if abs(stray) * 60.0 / tempo <= tolerance:
        return None
    return beat + stray


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
        self._anchor: tuple[float, float] | None = None  # a beat_sync not yet applied

    def sync(self, time: float, beat: float) -> None:
        """An outside clock was at ``beat`` at show ``time``: the next frame asked continues
        from there (at the tempo in force), wherever the beat had got to.

        >>> clock = BeatClock(fps=10)
        >>> clock.at(10, 60.0)
        1.0
        >>> clock.sync(1.5, 8.0)
        >>> clock.at(20, 60.0)   # 0.5 s after the clock said 8
        8.5
        """
        self._anchor = (time, beat)

    def at(self, index: int, tempo: float) -> float:
        """The beat position of frame ``index``. A frame asked after a later one (live, a
        slow worker's frame is bound further ahead than a fast one's) is counted back from
        that one at ``tempo``, leaving the clock where it is."""
        if index < self.index:
            return self.beat - (self.index - index) / self.fps * tempo / 60.0
        if self._anchor is not None:
            time, beat = self._anchor
            self.beat = beat + (index / self.fps - time) * tempo / 60.0
            self._anchor = None
        else:
            self.beat += (index - self.index) / self.fps * tempo / 60.0
        self.index = index
        return self.beat


class BeatFollower:
    """Turns readings of an outside clock into the events that keep the show on it.

    Each reading is ``(show time, the clock's beat then, its tempo)``. A tempo that moved by
    more than ``tempo_step`` bpm becomes a ``tempo`` event and a ``beat_sync``; a beat that
    strays from where the show's beat will be (the last ``beat_sync`` run on at the show's
    tempo) by more than ``tolerance`` seconds becomes a ``beat_sync`` event. A steady clock costs one event of
    each when it is first followed, and nothing after, so the log stays small.

    >>> follower = BeatFollower("link", tolerance=0.001)
    >>> [e.name for e in follower.follow(10.0, 32.0, 120.0)]
    ['tempo', 'beat_sync']
    >>> follower.follow(10.5, 33.0, 120.0)   # on the beat the show predicts
    []
    >>> [(e.name, e.value) for e in follower.follow(11.0, 34.1, 120.0)]   # 50 ms off
    [('beat_sync', 34.1)]
    """

    def __init__(self, source: str, tolerance: float, tempo_step: float = 0.01) -> None:
        self.source, self.tolerance, self.tempo_step = source, tolerance, tempo_step
        self.tempo: float | None = None
        self._anchor: tuple[float, float] | None = None

    def reset(self) -> None:
        """Forget what the show was told (it followed something else meanwhile)."""
        self.tempo, self._anchor = None, None

    def predicted(self, time: float) -> float | None:
        """The show's beat at show ``time`` by the events sent so far (None before any)."""
        if self._anchor is None or self.tempo is None:
            return None
        anchor_time, anchor_beat = self._anchor
        return anchor_beat + (time - anchor_time) * self.tempo / 60.0

    def follow(self, time: float, beat: float, tempo: float) -> list[ControlEvent]:
        """The events one reading calls for (oldest first)."""
        low, high = parameter("tempo").range
        tempo = min(max(tempo, low), high)
        events = []
        moved = self.tempo is None or abs(tempo - self.tempo) > self.tempo_step
        if moved:   # and the beat with it: the show's frames turn the corner at a frame
            self.tempo = tempo
            events.append(ControlEvent(time, self.source, "tempo", tempo))
        predicted = self.predicted(time)
        if moved or predicted is None or abs(beat - predicted) * 60.0 / tempo > self.tolerance:
            self._anchor = (time, beat)
            events.append(ControlEvent(time, self.source, "beat_sync", beat))
        return events
