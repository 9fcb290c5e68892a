"""Where the video layer's pictures come from: a V4L2 camera or a video file, through OpenCV.

Cameras are found by their V4L2 name (``/sys/class/video4linux/videoN/name``) so that one
unplugged and plugged back in, which may come back as another ``/dev/videoN``, is found
again by the same name. A video file plays looped and in step with the show's clock: at show
time ``t`` it shows its frame ``floor(t * file_fps) mod frame_count``, decoding ahead and
seeking only when the show jumped.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import NamedTuple

import cv2
import numpy as np

from live.contracts.errors import ConfigError

SYSFS_VIDEO = Path("/sys/class/video4linux")
SEEK_AHEAD_FRAMES = 30   # further ahead than this, seeking is cheaper than decoding through
# FFmpeg (inside OpenCV) prints its own complaints about a file it cannot read ("moov atom
# not found"); the show says what is wrong in one line of its own. -8 is AV_LOG_QUIET.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")


class VideoError(ConfigError):
    """A camera or video file the video layer cannot use; one line for the performer."""


class Camera(NamedTuple):
    index: int         # /dev/video<index>
    name: str          # what the driver calls it


def list_cameras(sysfs: Path = SYSFS_VIDEO) -> list[Camera]:
    """The V4L2 capture devices, by index (none when the kernel has no video4linux)."""
    cameras = []
    for entry in sysfs.glob("video*") if sysfs.is_dir() else ():
        if (number := entry.name.removeprefix("video")).isdigit():
            name_file = entry / "name"
            name = name_file.read_text().strip() if name_file.is_file() else entry.name
            cameras.append(Camera(int(number), name))
    return sorted(cameras)


def find_camera(device: str, cameras: list[Camera]) -> Camera | None:
    """The camera ``device`` names: an index, or a case-insensitive substring of its name."""
    if device.strip().isdigit():
        return next((c for c in cameras if c.index == int(device)), None)
    wanted = device.strip().lower()
    return next((c for c in cameras if wanted in c.name.lower()), None)


def describe_cameras(cameras: list[Camera]) -> str:
    """The ``gance-live devices`` section."""
    if not cameras:
        return "Cameras: none (no V4L2 video device)"
    return "Cameras:" + "".join(f"\n  {c.index}: {c.name}  (/dev/video{c.index})"
                                for c in cameras)


def cover(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """``image`` scaled to cover ``width x height`` (aspect kept, the overflow cropped
    evenly), RGBA: what the video layer shows across the whole output."""
    source_h, source_w = image.shape[:2]
    scale = max(width / source_w, height / source_h)
    crop_w = min(source_w, round(width / scale))
    crop_h = min(source_h, round(height / scale))
    left, top = (source_w - crop_w) // 2, (source_h - crop_h) // 2
    cropped = image[top:top + crop_h, left:left + crop_w]
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    resized = cv2.resize(cropped, (width, height), interpolation=interpolation)
    return cv2.cvtColor(resized, cv2.COLOR_BGR2RGBA)


def file_frame_at(show_seconds: float, file_fps: float, frame_count: int) -> int:
    """The frame of a looped file that show time ``show_seconds`` falls in."""
    return math.floor(max(show_seconds, 0.0) * file_fps + 1e-9) % frame_count


class VideoFile:
    """A video file read frame by frame for a show clock (BGR frames, as OpenCV decodes)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.capture = cv2.VideoCapture(str(self.path))
        if not self.capture.isOpened():
            raise VideoError(f"{self.path}: not a video file OpenCV can decode; [video] file "
                             f"needs an mp4, mkv, webm or avi")
        self.fps = self.capture.get(cv2.CAP_PROP_FPS)
        self.frame_count = int(self.capture.get(cv2.CAP_PROP_FRAME_COUNT))
        if not (self.fps > 0 and self.frame_count > 0):
            self.capture.release()
            raise VideoError(f"{self.path}: holds no frames with a frame rate; [video] file "
                             f"needs a video with at least one frame")
        self.position = 0      # the frame the next read() returns
        self.frame: np.ndarray | None = None
        self.frame_index = -1

    def at(self, show_seconds: float) -> tuple[int, np.ndarray]:
        """The file's frame for show time ``show_seconds``: ``(frame number, BGR pixels)``."""
        wanted = file_frame_at(show_seconds, self.fps, self.frame_count)
        if wanted == self.frame_index:
            return wanted, self.frame
        if not 0 <= wanted - self.position <= SEEK_AHEAD_FRAMES:
            self.capture.set(cv2.CAP_PROP_POS_FRAMES, wanted)
            self.position = wanted
        while self.position <= wanted:
            ok, frame = self.capture.read()
            if not ok:
                if self.position == 0:
                    raise VideoError(f"{self.path}: its first frame does not decode; [video] "
                                     f"file needs a video OpenCV can read")
                self.frame_count = self.position   # the container promised more: loop here
                return self.at(show_seconds)
            self.position += 1
            self.frame, self.frame_index = frame, self.position - 1
        return wanted, self.frame

    def close(self) -> None:
        self.capture.release()


def open_camera(camera: Camera) -> cv2.VideoCapture | None:
    """The camera opened through V4L2, None when it cannot be (gone, busy)."""
    capture = cv2.VideoCapture(camera.index, cv2.CAP_V4L2)
    if capture.isOpened():
        return capture
    capture.release()
    return None


def camera_label(camera: Camera) -> str:
    return f"camera {camera.index} '{camera.name}'"

