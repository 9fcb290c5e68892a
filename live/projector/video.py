"""The source video: its frames at the projection fps, fitted to the network's square.

OpenCV decodes; :func:`projection_sources` (which source frame each projection frame takes)
and :func:`~live.video.sources.fit_square` (centre crop or pad, then resize; the eye overlays
fit the video the same way) are pure and tested alone.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Iterator, Sequence

import cv2
import numpy as np

from live.contracts.paths import check_input_file
from live.projector.errors import ProjectorError
from live.video.sources import fit_square

# A projection fps a hair above the video's (30 vs 29.97) is a rounding, not an upsampling.
FPS_TOLERANCE = 1.01


def projection_sources(source_count: int, source_fps: float, projection_fps: float) -> list[int]:
    """For each projection frame, the index of the source frame on screen at its time.

    >>> projection_sources(10, 30.0, 15.0)
    [0, 2, 4, 6, 8]
    >>> projection_sources(5, 25.0, 10.0)
    [0, 2]
    """
    assert source_count > 0 and source_fps > 0 and projection_fps > 0
    duration = source_count / source_fps
    count = max(1, math.floor(duration * projection_fps + 1e-9))
    step = source_fps / projection_fps
    return [min(source_count - 1, math.floor(k * step + 1e-9)) for k in range(count)]


class VideoSource:
    """A video file's frame count (counted by decoding: container headers can be wrong), fps
    and size; :meth:`frames` reads chosen frames in order."""

    def __init__(self, path: str | Path) -> None:
        self.path = check_input_file(path, "video", fix="give a video file OpenCV can read "
                                     "(mp4, mov, avi, mkv, ...)", error=ProjectorError)
        capture = self._open()
        try:
            self.fps = float(capture.get(cv2.CAP_PROP_FPS))
            self.width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))
            self.height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
            count = 0
            while capture.grab():
                count += 1
        finally:
            capture.release()
        if count == 0:
            raise ProjectorError(f"{self.path}: OpenCV decodes no frame from it; the file is "
                                 f"damaged or its codec is missing: re-encode it (ffmpeg -i "
                                 f"{self.path.name} -c:v libx264 out.mp4)")
        if not math.isfinite(self.fps) or self.fps <= 0:
            raise ProjectorError(f"{self.path}: the video states no frame rate; re-encode it "
                                 f"with one (ffmpeg -i {self.path.name} -r 30 out.mp4)")
        self.frame_count = count

    def _open(self) -> cv2.VideoCapture:
        capture = cv2.VideoCapture(str(self.path))
        if not capture.isOpened():
            raise ProjectorError(f"{self.path}: OpenCV cannot open it as a video; convert it "
                                 f"to mp4 (ffmpeg -i {self.path.name} out.mp4)")
        return capture

    def sources(self, projection_fps: float | None) -> list[int]:
        """Source frame indices at ``projection_fps`` (None: every frame)."""
        if projection_fps is None:
            return list(range(self.frame_count))
        if projection_fps > self.fps * FPS_TOLERANCE:
            raise ProjectorError(f"--fps {projection_fps:g} is above the video's own "
                                 f"{self.fps:g} fps ({self.path}); give at most {self.fps:g}")
        return projection_sources(self.frame_count, self.fps, projection_fps)

    def frames(self, indices: Sequence[int], size: int, fit: str) -> Iterator[np.ndarray]:
        """The frames at ``indices`` (ascending), fitted to ``size``, decoding in one pass."""
        capture = self._open()
        try:
            position = -1
            for index in indices:
                assert index >= position, "indices must ascend"
                while position < index:
                    if not capture.grab():
                        raise ProjectorError(f"{self.path}: frame {index} cannot be decoded "
                                             f"(the file changed or is damaged there)")
                    position += 1
                ok, frame = capture.retrieve()
                if not ok:
                    raise ProjectorError(f"{self.path}: frame {index} cannot be decoded")
                yield fit_square(frame, size, fit)
        finally:
            capture.release()
