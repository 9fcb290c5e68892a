"""The video process: pictures from a camera or a file into the video ring, newest first.

The supervisor spawns :func:`video_main` with a :class:`VideoSpec`, the name of the
:class:`~live.contracts.video.VideoRing` it created and the show's status queue. It reports
``Status("video", "ready", what it plays)`` and then, until ``stop_event``:

- a file: the frame the show clock (the ring's ``t0``, 0 until the show starts) is in, scaled
  to cover the ring's size, written whenever it changes;
- a camera: every picture as it comes. A camera that stops delivering (unplugged, driver
  gone) is released and looked for again by name every ``retry_seconds``; meanwhile the
  ring keeps its last picture, and a warning says so once. A camera missing at the start is
  looked for the same way: the show never waits for it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import cv2

from live.contracts.lifecycle import child_process
from live.contracts.messages import Status
from live.contracts.video import VideoRing
from live.video.sources import (Camera, VideoError, VideoFile, camera_label, cover,
                                find_camera, list_cameras, open_camera)

SOURCE = "video"
POLL_S = 0.05        # the longest sleep before stop_event is looked at again


@dataclass
class VideoSpec:
    """What the video process plays; picklable for ``spawn``. ``file`` is resolved."""

    source: str                  # "camera" or "file"
    device: str = "0"
    file: str = ""
    retry_seconds: float = 1.0


@child_process
def video_main(spec: VideoSpec, ring_name: str, status_queue: Any, stop_event: Any) -> None:
    """Process entry point (see the module docstring)."""
    ring = VideoRing.attach(ring_name)
    try:
        if spec.source == "file":
            _play_file(spec, ring, status_queue, stop_event)
        else:
            _play_camera(spec, ring, status_queue, stop_event)
    except VideoError as exc:
        status_queue.put(Status(SOURCE, "error", str(exc)))
    finally:
        ring.close()


def _write(ring: VideoRing, bgr, captured: float, source_frame: int = -1) -> None:
    slot, pixels = ring.next_slot()
    pixels[:] = cover(bgr, ring.width, ring.height)
    ring.publish(slot, captured, source_frame)


def _play_file(spec: VideoSpec, ring: VideoRing, status_queue: Any, stop_event: Any) -> None:
    video = VideoFile(spec.file)
    status_queue.put(Status(SOURCE, "ready", f"{spec.file}: {video.frame_count} frames at "
                                             f"{video.fps:g} fps, looped with the show"))
    shown = -1
    try:
        while not stop_event.is_set():
            t0 = ring.t0
            now = time.monotonic()
            number, bgr = video.at(now - t0 if t0 is not None else 0.0)
            if number != shown:
                _write(ring, bgr, now, number)
                shown = number
            time.sleep(min(POLL_S, 0.5 / video.fps))   # for the next file frame
    finally:
        video.close()


def _play_camera(spec: VideoSpec, ring: VideoRing, status_queue: Any, stop_event: Any) -> None:
    wanted = spec.device
    capture, camera = _look_for(wanted)
    if capture is None:
        status_queue.put(Status(SOURCE, "ready", f"no camera '{wanted}' yet (gance-live "
                                                 f"devices lists them); looking for it every "
                                                 f"{spec.retry_seconds:g} s"))
    else:
        status_queue.put(Status(SOURCE, "ready", camera_label(camera)))
        wanted = camera.name   # found again by name, whatever index it comes back as
    try:
        while not stop_event.is_set():
            if capture is None:
                if _stopped_within(stop_event, spec.retry_seconds):
                    return
                capture, camera = _look_for(wanted)
                if capture is not None:
                    status_queue.put(Status(SOURCE, "warning",
                                            f"{camera_label(camera)} is back in the video layer"))
                    wanted = camera.name
                continue
            ok, bgr = capture.read()
            if ok:
                _write(ring, bgr, time.monotonic())
                continue
            capture.release()
            capture = None
            status_queue.put(Status(SOURCE, "warning",
                                    f"{camera_label(camera)} stopped delivering; the video "
                                    f"layer holds its last picture and looks for '{wanted}' "
                                    f"every {spec.retry_seconds:g} s"))
    finally:
        if capture is not None:
            capture.release()


def _stopped_within(stop_event: Any, seconds: float) -> bool:
    """Sleep up to ``seconds``, watching ``stop_event``; whether it was set.

    Never ``stop_event.wait()``: a process killed while waiting on a multiprocessing Event
    leaves a sleeper that never wakes, and the supervisor's ``set()`` then waits for it
    forever (the show could not stop after its video process was killed)."""
    deadline = time.monotonic() + seconds
    while not stop_event.is_set():
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_S)
    return True


def _look_for(device: str) -> tuple[cv2.VideoCapture | None, Camera | None]:
    camera = find_camera(device, list_cameras())
    if camera is None:
        return None, None
    capture = open_camera(camera)
    return (capture, camera) if capture is not None else (None, None)
