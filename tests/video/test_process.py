"""The video process for real (spawned as in a show): a file in step with the show clock it
reads from the ring, and a camera that is not there, which it keeps looking for."""

from __future__ import annotations

import multiprocessing
import queue
import time

from live.contracts.messages import Status
from live.contracts.video import VideoRing
from live.video.process import VideoSpec, video_main
from live.video.sources import file_frame_at
from tests.video.media import colour_second, coloured_video

WAIT_S = 60.0


def status(statuses, timeout: float = WAIT_S) -> Status:
    return statuses.get(timeout=timeout)


def newest_frame(ring: VideoRing, wanted: int = 0, late: int = 0) -> tuple[int, int]:
    """``(file frame, slot)`` of the ring's newest picture once it is frame ``wanted`` or at
    most ``late`` frames after it."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if (newest := ring.newest()) is not None:
            frame = int(ring.header(newest[1])["source_frame"])
            if wanted <= frame <= wanted + late:
                return frame, newest[1]
        time.sleep(0.01)
    raise AssertionError(f"no picture of frames {wanted} to {wanted + late} in {WAIT_S} s")


def test_a_file_follows_the_show_clock_and_a_missing_camera_is_looked_for(tmp_path):
    context = multiprocessing.get_context("spawn")
    statuses, stop = context.Queue(), context.Event()
    with VideoRing.create(36, 64, "test_file") as file_ring, \
            VideoRing.create(36, 64, "test_camera") as camera_ring:
        players = [
            context.Process(target=video_main, daemon=True, args=(
                VideoSpec("file", file=str(coloured_video(tmp_path / "room.mp4"))),
                file_ring.name, statuses, stop)),
            context.Process(target=video_main, daemon=True, args=(
                VideoSpec("camera", device="No Such Camera", retry_seconds=0.2),
                camera_ring.name, statuses, stop))]
        for player in players:
            player.start()
        try:
            ready = {status(statuses).detail for _ in players}
            assert any("30 frames at 10 fps, looped with the show" in d for d in ready), ready
            assert any("no camera 'No Such Camera' yet" in d for d in ready), ready

            # Before the show starts the file holds its first frame; then it follows t0:
            # the show 1.45 s in shows frame 14 (second 1), and it loops after 3 s.
            assert newest_frame(file_ring)[0] == 0
            time.sleep(0.3)
            assert newest_frame(file_ring)[0] == 0
            for show_seconds in (1.45, 3.25):
                file_ring.set_t0(time.monotonic() - show_seconds)
                wanted = file_frame_at(show_seconds, 10, 30)
                # It keeps up with the clock within a few frames on a loaded machine.
                frame, slot = newest_frame(file_ring, wanted, late=5)
                assert colour_second(file_ring.pixels(slot)) == frame // 10

            # The camera process is still there, looking, and never wrote a picture.
            time.sleep(0.5)
            assert all(player.is_alive() for player in players)
            assert camera_ring.newest() is None
            stop.set()
            for player in players:
                player.join(WAIT_S)
                assert player.exitcode == 0
            try:
                late = statuses.get_nowait()
            except queue.Empty:
                late = None
            assert late is None or late.status != "error", late
        finally:
            stop.set()
            for player in players:
                if player.is_alive():
                    player.kill()
