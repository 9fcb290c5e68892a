"""When the source video's eyes are drawn: GANce's track rule, offline and live.

A frame *passes* when its source and synthesized eyes line up (:func:`live.overlay.eyes.
frame_passes`). GANce drew only runs of at least ``track_length`` passing frames (5 in
production; shorter flickers were distracting), each run drawn whole: :func:`offline_tracks`,
which ``render`` uses because it knows every frame's result before drawing any.

Live, the future is unknown: :class:`LiveTrack` starts a track once ``track_length`` frames in
a row have passed and fades the overlay in and out over ``fade_frames``. A frame whose result
came too late to use is *unknown*: it neither extends nor breaks a run, and the opacity
holds; but ``track_length`` unknown frames in a row count as a failing frame, so an overlay
never lingers on evidence that old (a detector that cannot keep up fades the overlay out
rather than freezing it on).

    >>> offline_tracks([True, True, False, True, True, True], track_length=3).tolist()
    [False, False, False, True, True, True]
"""

from __future__ import annotations

from typing import Generic, Sequence, TypeVar

import numpy as np


def offline_tracks(passes: Sequence[bool], track_length: int) -> np.ndarray:
    """Which frames GANce draws: those in runs of at least ``track_length`` passing frames."""
    passes = np.asarray(passes, dtype=bool)
    drawn = np.zeros(len(passes), dtype=bool)
    start = None
    for index, passed in enumerate([*passes, False]):   # a final False closes the last run
        if passed and start is None:
            start = index
        elif not passed and start is not None:
            if index - start >= track_length:
                drawn[start:index] = True
            start = None
    return drawn


Item = TypeVar("Item")


class OfflineTracks(Generic[Item]):
    """:func:`offline_tracks` for frames that come one by one (a render): each frame goes in
    with its pass/fail and comes out, in order, with whether it is drawn, as soon as that is
    known. A passing frame waits until its run reaches ``track_length`` or breaks, so at most
    ``track_length - 1`` frames wait."""

    def __init__(self, track_length: int) -> None:
        self.track_length = track_length
        self._run: list[Item] = []      # passing frames not yet decided
        self._long = False              # the current run reached track_length

    def push(self, item: Item, passed: bool) -> list[tuple[Item, bool]]:
        """Add the next frame; returns the frames decided by it, oldest first."""
        if not passed:
            return [*self.finish(), (item, False)]
        if self._long:
            return [(item, True)]
        self._run.append(item)
        if len(self._run) < self.track_length:
            return []
        self._long = True
        decided, self._run = [(waiting, True) for waiting in self._run], []
        return decided

    def finish(self) -> list[tuple[Item, bool]]:
        """The end of the frames (or of a run): every waiting frame, decided."""
        decided = [(waiting, False) for waiting in self._run]
        self._run, self._long = [], False
        return decided


class LiveTrack:
    """The overlay's opacity frame by frame, from each frame's pass/fail as it comes."""

    def __init__(self, track_length: int, fade_frames: float) -> None:
        self.track_length = track_length
        self.fade_frames = fade_frames
        self.run = 0             # passing frames in a row so far
        self.unknown = 0         # frames in a row without a result
        self.opacity = 0.0

    @property
    def on(self) -> bool:
        """A track is running: the overlay is (fading) in."""
        return self.run >= self.track_length

    def update(self, passed: bool | None) -> float:
        """Take the next frame's result (None: unknown) and return its overlay opacity."""
        if passed is None:
            self.unknown += 1
            if self.unknown < self.track_length:
                return self.opacity
            passed = False
        else:
            self.unknown = 0
        self.run = self.run + 1 if passed else 0
        step = 1.0 if self.fade_frames <= 0 else 1.0 / self.fade_frames
        target = 1.0 if self.on else 0.0
        self.opacity = min(self.opacity + step, target) if target > self.opacity \
            else max(self.opacity - step, target)
        return self.opacity
