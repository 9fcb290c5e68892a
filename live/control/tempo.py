"""Tap tempo: the beat from the times of a few button presses (pure, so replays agree)."""

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
