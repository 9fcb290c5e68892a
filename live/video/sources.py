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
FIT_MODES = ("crop", "pad")   # crop the long side to a centred square, or pad it with black
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


def fit_square(frame_bgr: np.ndarray, size: int, fit: str = "crop") -> np.ndarray:
    """An OpenCV BGR frame as the network's RGB square ``[size, size, 3]`` uint8: the centre
    square of the frame (``crop``) or the whole frame on black (``pad``), resized."""
    assert fit in FIT_MODES, fit
    height, width = frame_bgr.shape[:2]
    if fit == "crop":
        side = min(height, width)
        top, left = (height - side) // 2, (width - side) // 2
        square = frame_bgr[top:top + side, left:left + side]
    else:
        side = max(height, width)
        square = np.zeros((side, side, 3), np.uint8)
        top, left = (side - height) // 2, (side - width) // 2
        square[top:top + height, left:left + width] = frame_bgr[..., :3]
    if side != size:
        # Area averaging does not alias when shrinking; bicubic is smoother when enlarging.
        method = cv2.INTER_AREA if side > size else cv2.INTER_CUBIC
        square = cv2.resize(square, (size, size), interpolation=method)
    return np.ascontiguousarray(cv2.cvtColor(square, cv2.COLOR_BGR2RGB))


def frame_at(seconds: float, fps: float) -> int:
    """The frame of a video at ``fps`` that time ``seconds`` falls in."""
    return math.floor(max(seconds, 0.0) * fps + 1e-9)


def file_frame_at(show_seconds: float, file_fps: float, frame_count: int) -> int:
    """The frame of a looped file that show time ``show_seconds`` falls in."""
    return frame_at(show_seconds, file_fps) % frame_count


# A video's frame rate may be stated with rounding (29.97 as 30000/1001 or as 29.97).
SOURCE_FPS_TOLERANCE = 0.01
# GANce's frame count comes from duration x fps, the decoder's may differ by a frame or two.
SOURCE_FRAMES_TOLERANCE = 2


def source_video_problem(video_fps: float, video_frames: int, projection_fps: float,
                         projection_frames: int, original_fps: float | None = None,
                         original_frames: int | None = None) -> str | None:
    """Why a video cannot be the one a projection was made from (None: it can be): it must
    play at the fps the projection recorded for its original (``original_fps``), hold about
    as many frames (``original_frames``), and reach the projection's last frame, frame ``k``
    showing the video at ``k / projection_fps``.

    >>> source_video_problem(30.0, 300, 15.0, 150, 30.0, 300) is None
    True
    >>> print(source_video_problem(30.0, 200, 15.0, 150))
    holds 200 frames (6.67 s at 30 fps); the projection's 150 frames at 15 fps need 299
    """
    if original_fps and abs(video_fps - original_fps) > SOURCE_FPS_TOLERANCE * original_fps:
        return (f"plays at {video_fps:g} fps; the projection was made from a video at "
                f"{original_fps:g} fps")
    if original_frames and abs(video_frames - original_frames) > SOURCE_FRAMES_TOLERANCE:
        return (f"holds {video_frames} frames; the projection was made from a video of "
                f"{original_frames}")
    needed = frame_at((projection_frames - 1) / projection_fps, video_fps) + 1
    if needed > video_frames:
        return (f"holds {video_frames} frames ({video_frames / video_fps:.2f} s at "
                f"{video_fps:g} fps); the projection's {projection_frames} frames at "
                f"{projection_fps:g} fps need {needed}")
    return None


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


class SourceVideo:
    """The video a projection was made from, read as the projection's source frames: frame
    ``k`` is the video's frame at the projection's time ``k / projection_fps``, fitted to a
    square as the projector fitted it (``fit``), at the video's own resolution (RGB). Reads
    on: a projection played forward decodes each frame once."""

    def __init__(self, path: str | Path, projection_fps: float, fit: str) -> None:
        self.file = VideoFile(path)
        self.projection_fps, self.fit = projection_fps, fit
        width = int(self.file.capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(self.file.capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        self.side = min(width, height) if fit == "crop" else max(width, height)

    def frame(self, index: int) -> np.ndarray:
        """Projection frame ``index``'s source picture, ``[side, side, 3]`` uint8 RGB."""
        return fit_square(self.file.at(index / self.projection_fps)[1], self.side, self.fit)

    def problem(self, projection_frames: int, original_fps: float | None,
                original_frames: int | None) -> str | None:
        """Why this cannot be the video a projection of ``projection_frames`` was made from
        (see :func:`source_video_problem`), or does not decode through its last frame; None
        when it can be."""
        problem = source_video_problem(self.file.fps, self.file.frame_count,
                                       self.projection_fps, projection_frames, original_fps,
                                       original_frames)
        last_seconds = (projection_frames - 1) / self.projection_fps
        if problem is None and self.file.at(last_seconds)[0] != frame_at(last_seconds,
                                                                          self.file.fps):
            problem = (f"decodes only {self.file.frame_count} frames, the projection needs "
                       f"{frame_at(last_seconds, self.file.fps) + 1}")
        return problem

    def close(self) -> None:
        self.file.close()


def open_camera(camera: Camera) -> cv2.VideoCapture | None:
    """The camera opened through V4L2, None when it cannot be (gone, busy)."""
    capture = cv2.VideoCapture(camera.index, cv2.CAP_V4L2)
    if capture.isOpened():
        return capture
    capture.release()
    return None


def camera_label(camera: Camera) -> str:
    return f"camera {camera.index} '{camera.name}'"

