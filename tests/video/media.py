"""Small video files for the video layer's tests, written with OpenCV."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

# Each second of the test video has its own colour (RGB), so a frame says where it is.
SECOND_COLOURS = [(40, 200, 40), (40, 40, 200), (200, 40, 40)]


def coloured_video(path: Path, fps: int = 10, size: tuple[int, int] = (160, 90)) -> Path:
    """An mp4 of len(SECOND_COLOURS) seconds at ``fps``, one plain colour a second, with a
    white bar whose left edge moves right 4 px a frame (so frames differ within a second)."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    for second, colour in enumerate(SECOND_COLOURS):
        for frame in range(fps):
            image = np.empty((size[1], size[0], 3), np.uint8)
            image[:] = colour[::-1]   # OpenCV writes BGR
            image[:8, 4 * frame:4 * frame + 4] = 255
            writer.write(image)
    writer.release()
    return path


def colour_second(rgb: np.ndarray) -> int:
    """Which second of :func:`coloured_video` a (scaled) frame's middle colour is from."""
    middle = rgb[rgb.shape[0] // 2, rgb.shape[1] // 2, :3].astype(int)
    return int(np.argmin([np.abs(middle - c).sum() for c in SECOND_COLOURS]))
