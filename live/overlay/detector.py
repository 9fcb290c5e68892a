"""Eye detection off the output loop, for the live eye overlays.

The compositor hands each synthesized frame to :class:`EyeDetector` as it arrives (before it
is due on screen) and asks for that frame's result when it shows it. A worker thread finds
the frame's eyes (OpenCV releases the GIL while it searches), compares them with the source
frame's precomputed eyes (:class:`~live.overlay.sources.SourceEyes`) and cuts the source
region to draw. Nothing waits: a frame handed over while the thread is busy replaces the one
waiting (the newest matters most), and a result asked for before it is ready is *unknown*
(:class:`~live.overlay.tracks.LiveTrack` holds); one that comes later is dropped. A result
only ever applies to the frame it was computed on.

In a set every song has its own source: the frame's song picks it. A song's source eyes and
frames are opened the first time one of its frames is compared, on the thread comparing (the
detector's own live), so a song's files are never read on the output loop; a song without
a projection, or whose files fail to open, draws no eyes.
"""

from __future__ import annotations

import threading
from typing import Callable, NamedTuple

import numpy as np

from live.contracts.errors import LiveError
from live.contracts.parameters import parameter
from live.overlay.eyes import Box, EyeFinder, EyeSample, frame_passes
from live.overlay.sources import SourceEyes

RESULTS_KEPT = 64    # results of frames not yet shown (a render's frames run ahead of it)


class Rule(NamedTuple):
    """GANce's per-frame thresholds, as performed."""

    hash_threshold: float
    distance_threshold: float


class SongSource(NamedTuple):
    """A song's source side: its frames' stored eyes and a reader of source frame k."""

    eyes: SourceEyes
    image: Callable[[int], np.ndarray]


class EyeResult(NamedTuple):
    """One synthesized frame's comparison with its source frame."""

    index: int
    passed: bool
    box: Box | None              # where the source eyes go on the synthesized frame
    region: np.ndarray | None    # [h, w, 3] uint8: the source region (box grown by margin)
    region_box: Box | None       # where that region goes on the synthesized frame


def grown(box: Box, margin: float, width: int, height: int) -> Box:
    """``box`` grown by ``margin`` times its size on every side, within the frame."""
    dx, dy = round(box.w * margin), round(box.h * margin)
    x0, y0 = max(0, box.x - dx), max(0, box.y - dy)
    x1, y1 = min(width, box.x + box.w + dx), min(height, box.y + box.h + dy)
    return Box(x0, y0, max(1, x1 - x0), max(1, y1 - y0))


def compare(index: int, synthesized: EyeSample | None, source: EyeSample | None,
            source_image: Callable[[], np.ndarray], frame_size: tuple[int, int],
            source_size: tuple[int, int], rule: Rule, margin: float) -> EyeResult:
    """Frame ``index``'s result: GANce's test on the two samples (the source's box scaled to
    the synthesized frame's size) and, when the source has eyes, its region to draw."""
    if source is None:
        return EyeResult(index, False, None, None, None)
    box = source.box.scaled(source_size, frame_size)
    passed = frame_passes(EyeSample(box, source.phash), synthesized, rule.hash_threshold,
                          rule.distance_threshold)
    image = source_image()
    region_in_source = grown(source.box, margin, *source_size)
    x, y, w, h = region_in_source
    region = np.ascontiguousarray(image[y:y + h, x:x + w, :3])
    return EyeResult(index, passed, box, region, region_in_source.scaled(source_size, frame_size))


class EyeDetector:
    """A thread comparing each handed-over frame's eyes with its source frame's."""

    def __init__(self, open_song: Callable[[int], SongSource | None], margin: float) -> None:
        """``open_song(song)``: that song's source, None for a song without one; it may
        raise a :class:`~live.contracts.errors.LiveError` (the song then draws no eyes,
        and :meth:`take_problems` says why)."""
        self.open_song, self.margin = open_song, margin
        self.rule = Rule(parameter("eye_hash").default, parameter("eye_distance").default)
        self.computed = 0              # results made (for the benchmark and the tests)
        self._lock = threading.Condition()
        self._waiting: tuple[int, np.ndarray, int, int, Rule] | None = None
        self._results: dict[int, EyeResult] = {}
        self._stopped = False
        self._thread: threading.Thread | None = None   # started by the first submit
        self._finder: EyeFinder | None = None           # compute()'s, on the caller's thread
        self._songs: dict[int, SongSource | None] = {}  # opened by the thread comparing
        self._problems: list[str] = []
        self._source_cache: tuple[int, int, np.ndarray] | None = None

    def compute(self, index: int, pixels: np.ndarray, song: int,
                source_frame: int) -> EyeResult:
        """Frame ``index``'s result now, on the calling thread (a render, which has time)."""
        if self._finder is None:
            self._finder = EyeFinder()
        return self._compare(self._finder, index, pixels, song, source_frame, self.rule)

    def submit(self, index: int, pixels: np.ndarray, song: int, source_frame: int) -> None:
        """Frame ``index`` (``pixels`` are copied: the slot is reused) shows source frame
        ``source_frame`` of ``song``; never blocks."""
        job = (index, np.array(pixels[:, :, :3]), song, source_frame, self.rule)
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="eye-detector", daemon=True)
            self._thread.start()
        with self._lock:
            self._waiting = job          # a frame still waiting is overtaken: dropped
            self._lock.notify()

    def take(self, index: int) -> EyeResult | None:
        """Frame ``index``'s result if it is ready (None: unknown); results of older frames
        are dropped, they can no longer apply to anything."""
        with self._lock:
            for older in [i for i in self._results if i < index]:
                del self._results[older]
            return self._results.pop(index, None)

    def take_problems(self) -> list[str]:
        """Why songs opened since the last call draw no eyes (one line each)."""
        with self._lock:
            problems, self._problems = self._problems, []
        return problems

    def _run(self) -> None:
        finder = EyeFinder()
        while True:
            with self._lock:
                while self._waiting is None and not self._stopped:
                    self._lock.wait()
                if self._stopped:
                    return
                (index, pixels, song, source_frame, rule), self._waiting = self._waiting, None
            result = self._compare(finder, index, pixels, song, source_frame, rule)
            with self._lock:
                self._results[index] = result
                self.computed += 1
                while len(self._results) > RESULTS_KEPT:
                    del self._results[min(self._results)]

    def _compare(self, finder: EyeFinder, index: int, pixels: np.ndarray, song: int,
                 source_frame: int, rule: Rule) -> EyeResult:
        height, width = pixels.shape[:2]
        source = self._song(song)
        known = source is not None and 0 <= source_frame < len(source.eyes)
        sample = source.eyes.sample(source_frame) if known else None
        return compare(index, finder.sample(pixels) if known else None, sample,
                       lambda: self._source_image(song, source_frame), (width, height),
                       source.eyes.frame_size if known else (0, 0), rule, self.margin)

    def _song(self, song: int) -> SongSource | None:
        """``song``'s source, opened the first time it is asked for."""
        if song not in self._songs:
            try:
                self._songs[song] = self.open_song(song)
            except LiveError as exc:
                self._songs[song] = None
                with self._lock:
                    self._problems.append(f"song {song + 1} draws no eye overlays: {exc}")
        return self._songs[song]

    def _source_image(self, song: int, source_frame: int) -> np.ndarray:
        """The source frame's picture; the last one is kept (a projection usually plays each
        source frame for several show frames)."""
        if self._source_cache is None or self._source_cache[:2] != (song, source_frame):
            self._source_cache = (song, source_frame, self._songs[song].image(source_frame))
        return self._source_cache[2]

    def close(self) -> None:
        with self._lock:
            self._stopped = True
            self._lock.notify()
        if self._thread is not None:
            self._thread.join(timeout=5)
