"""The layer stack and the eye overlays in a real show: a video file under the placed GAN
frame, the source video's eyes over it, the HUD on top, on an Xvfb window and in the mp4.

The projection's source frames hold scikit-image's astronaut (in colour); two stand-in
networks draw the same face in grey, one shifted 20 px (within GANce's 50 px) and one 120 px
(beyond). While the near one plays the overlay appears: colour in the eye box of a grey
face. On the far one it fades away, and comes back when the performer widens the distance.
The source frames are read from the original video the projection was made from. The show is
a set: its second song plays a projection of a video without a face, and draws no eyes.
"""

from __future__ import annotations

import os
import signal
import socket
import time

import cv2
import numpy as np
import pytest
from pythonosc.osc_message_builder import build_msg

from live.latents.projection import ProjectionFile
from live.overlay.sources import SourceEyes
from live.synth.cache import save_safetensors
from tests.support.xvfb import geometry, screenshot, windows, xvfb
from tests.support.showrun import (children, free_udp_port, interrupt, make_show, memory_map,
                                  read_frame_log, run_cli, start_cli)
from tests.overlay.faces import ASTRONAUT_EYES, face_frame
from tests.projector.conftest import write_video
from tests.synth.standins import picture_network
from tests.video.media import SECOND_COLOURS, coloured_video

pytestmark = [pytest.mark.slow, pytest.mark.display]

SIZE = 512            # the networks' and the source frames' size
OUTPUT = 400          # the window: the frame fitted (400 px), then scaled 0.75 about the centre
SCALE = 0.75
FPS = 2             # slow enough for the detector to keep up on a loaded 2-core machine
PROJECTION_FRAMES = 30
VIDEO_BAR = 32      # the original video's width beyond the projected square, each side
WAIT_S = 120.0


def video_process(show: int) -> int:
    """The show's video process: the child with the video ring mapped that is not the
    compositor (which maps the ring too, and glfw in a window, EGL headless)."""
    for pid in children(show):
        maps = memory_map(pid)
        if "_video" in maps and "libglfw" not in maps and "libEGL" not in maps:
            return pid
    raise AssertionError(f"no video process under {show}")


def saturation(rgb: np.ndarray) -> float:
    """Mean HSV saturation (0..255) of an RGB region: 0 for grey."""
    return float(cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2HSV)[:, :, 1].mean())


def on_screen(box: tuple[int, int, int, int]) -> tuple[slice, slice]:
    """Where a box of the network's frame lands on the output (the frame fitted, then
    scaled), shrunk to its middle half (the feathered edges mix with the grey face)."""
    scale = OUTPUT / SIZE * SCALE
    left = top = (OUTPUT - SIZE * scale) / 2
    x, y, w, h = box
    return (slice(round(top + (y + h / 4) * scale), round(top + (y + 3 * h / 4) * scale)),
            slice(round(left + (x + w / 4) * scale), round(left + (x + 3 * w / 4) * scale)))


@pytest.fixture
def show_folder(tmp_path):
    make_show(tmp_path)      # loop.wav; the show file is written below
    # The source frames come from the original video (the projection keeps no target
    # images): twice the projection's fps, wider than the network's square (the projector
    # cropped its centre); the frames between the projected ones hold a grey face, so a
    # source frame read out of step shows grey eyes.
    ProjectionFile.write(tmp_path / "face.hdf5",
                         np.zeros((PROJECTION_FRAMES, 16, 512), np.float32), fps=FPS,
                         original_fps=2 * FPS, original_frame_count=2 * PROJECTION_FRAMES)
    video = np.full((2 * PROJECTION_FRAMES, SIZE, SIZE + 2 * VIDEO_BAR, 3), 96, np.uint8)
    video[0::2, :, VIDEO_BAR:VIDEO_BAR + SIZE] = face_frame(SIZE)
    video[1::2, :, VIDEO_BAR:VIDEO_BAR + SIZE] = cv2.cvtColor(
        cv2.cvtColor(face_frame(SIZE), cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)[None]
    write_video(tmp_path / "original.avi", video, 2 * FPS)
    made = run_cli("overlays", tmp_path / "face.hdf5", "--video", tmp_path / "original.avi")
    assert made.returncode == 0, made.stderr
    # The set's second song: a projection of a video without a face (its eyes found here,
    # as `overlays` would: there are none).
    ProjectionFile.write(tmp_path / "grey.hdf5",
                         np.zeros((PROJECTION_FRAMES, 16, 512), np.float32), fps=FPS,
                         original_fps=2 * FPS, original_frame_count=2 * PROJECTION_FRAMES)
    grey_video = np.full((2 * PROJECTION_FRAMES, SIZE, SIZE, 3), 96, np.uint8)
    write_video(tmp_path / "grey.avi", grey_video, 2 * FPS)
    SourceEyes.analyse(grey_video[::2], PROJECTION_FRAMES).save(tmp_path / "grey.hdf5",
                                                                tmp_path / "grey.avi")
    for name, shift in (("near", 20), ("far", 120)):
        grey = cv2.cvtColor(face_frame(SIZE, dx=shift), cv2.COLOR_RGB2GRAY)
        save_safetensors(picture_network(grey), tmp_path / f"{name}.safetensors")
    coloured_video(tmp_path / "room.mp4")
    (tmp_path / "layers.toml").write_text(f"""
[show]
fps = {FPS}

[networks]
files = ["near.safetensors", "far.safetensors"]

[audio]
source = "file"
file = "loop.wav"
output_device = "none"

[latents]
source = "projection"
gain = 0.0

[latents.projection]
file = "face.hdf5"

[output]
width = {OUTPUT}
height = {OUTPUT}
hud = true

[video]
source = "file"
file = "room.mp4"

[overlays]
eyes = true
source_video = "original.avi"

[[songs]]
name = "face"

[[songs]]
name = "grey"
transition = "cut"
source_video = "grey.avi"
[songs.latents]
projection.file = "grey.hdf5"
""")
    return tmp_path


def test_layers_and_eyes_in_a_window_and_the_recording(show_folder):
    folder, port = show_folder, free_udp_port()
    log = folder / "frames.jsonl"

    def send(name: str, value: float) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            sender.sendto(build_msg(f"/live/{name}", value).dgram, ("127.0.0.1", port))

    def rows_until(where, count: int = 1) -> list[dict]:
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            rows = [r for r in read_frame_log(log) if where(r)]
            if len(rows) >= count:
                return rows
            assert process.poll() is None, process.stderr.read()[-3000:]
            time.sleep(0.1)
        raise AssertionError(f"no {count} frames as wanted in {WAIT_S} s")

    with xvfb(640, 480) as display:
        process = start_cli("run", folder / "layers.toml", "--seconds", 600, "--frame-log", log,
                            "--out", folder / "live.mp4", "--set", "control.osc.enabled=true",
                            "--set", f"control.osc.port={port}",
                            # frames bound early enough for detection on a loaded machine
                            "--set", "overlays.detection_ms=400", display=display, cwd=folder)
        try:
            rows_until(lambda r: True)
            send("frame_scale", SCALE)
            # The near face: a track starts after 5 passing frames and fades in.
            # (a few frames of it, so the recording holds it whatever the machine's speed).
            rows_until(lambda r: r["network"] == 0 and r["eyes"] == 1.0, count=4)
            [window] = windows(display, "^gance-live$")
            x, y, width, height = geometry(display, window)
            image = screenshot(display)[y:y + height, x:x + width]
            source_eyes = on_screen(ASTRONAUT_EYES)
            assert saturation(image[source_eyes]) > 40, "the source's colour eyes are drawn"
            face_rows, face_columns = on_screen((200, 250, 100, 100))   # cheek: grey, network's
            assert saturation(image[face_rows, face_columns]) < 10
            # The video around the placed frame, and the HUD's text over it at the top left.
            corner = image[height - 20:, width - 20:].reshape(-1, 3).mean(axis=0)
            assert min(np.abs(corner - c).sum() for c in SECOND_COLOURS) < 40, corner
            assert (image[16:80, 16:300] > 200).all(axis=2).sum() > 100, "no HUD text"

            # Beyond the distance threshold: the overlay fades out and stays out.
            send("network", 1)
            far = rows_until(lambda r: r["network"] == 1, count=12)
            assert far[-1]["eyes"] == 0.0 and all(r["eyes"] == 0.0 for r in far[-6:])
            # A wider threshold takes the far face in again.
            send("eye_distance", 200.0)
            rows_until(lambda r: r["network"] == 1 and r["eyes"] == 1.0, count=4)

            # The video process killed: the supervisor starts another, the show goes on.
            killed = video_process(process.pid)
            os.kill(killed, signal.SIGKILL)
            deadline = time.monotonic() + WAIT_S
            while True:
                try:
                    if video_process(process.pid) != killed:
                        break
                except AssertionError:
                    pass
                assert time.monotonic() < deadline, "no video process started again"
                time.sleep(0.2)
            shown = len(read_frame_log(log))
            rows_until(lambda r: True, count=shown + 2)

            # The overlays follow the song: none in the song whose source has no face (the
            # same face drawn), and the first song's source eyes again when the set returns.
            send("song", 1)
            plain = rows_until(lambda r: r["song"] == 1, count=6)
            assert all(r["eyes"] == 0.0 for r in plain[-3:])
            send("song", 0)
            rows_until(lambda r: r["song"] == 0 and r["index"] > plain[-1]["index"]
                       and r["eyes"] == 1.0, count=4)
        finally:
            interrupt(process)
    errors = process.stderr.read()
    assert process.returncode == 0, errors[-3000:]
    assert "the video process exited" in errors and "restarting it" in errors

    # The recording has the stack too (the HUD is the performer's: not recorded).
    capture = cv2.VideoCapture(str(folder / "live.mp4"))
    coloured_eyes = video_corners = 0
    while True:
        ok, bgr = capture.read()
        if not ok:
            break
        rgb = bgr[:, :, ::-1]
        coloured_eyes += saturation(rgb[on_screen(ASTRONAUT_EYES)]) > 40
        corner = rgb[-20:, -20:].reshape(-1, 3).mean(axis=0)
        video_corners += min(np.abs(corner - c).sum() for c in SECOND_COLOURS) < 40
    capture.release()
    assert coloured_eyes > 5 and video_corners > 20


def test_render_draws_whole_runs_of_track_length_only(show_folder):
    """GANce's offline rule in a render: the near face for 4 frames (too short a run), the
    far one for 2, the near one for 8 (drawn whole, first frames included), then the far."""
    from live.contracts.state import ControlEvent, write_event_log

    folder = show_folder
    switches = [(2.0, 1), (3.0, 0), (7.0, 1)]     # show seconds, network; 2 frames a second
    with (folder / "switches.jsonl").open("w") as stream:
        write_event_log([ControlEvent(0.0, "osc", "frame_scale", SCALE)]
                        + [ControlEvent(t, "osc", "network", float(n)) for t, n in switches],
                        stream)
    result = run_cli("render", folder / "layers.toml", "--audio", folder / "loop.wav",
                     "--seconds", 9, "--out",
                     folder / "render.mp4", "--frame-log", folder / "render.jsonl",
                     "--replay", folder / "switches.jsonl", "--set", "output.hud=false",
                     cwd=folder, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    rows = read_frame_log(folder / "render.jsonl")
    assert [r["index"] for r in rows] == list(range(9 * FPS))
    drawn = [r["index"] for r in rows if r["eyes"] == 1.0]
    assert drawn == list(range(6, 14)), [(r["index"], r["network"], r["eyes"]) for r in rows]

    capture = cv2.VideoCapture(str(folder / "render.mp4"))
    for index in range(9 * FPS):
        ok, bgr = capture.read()
        assert ok, index
        rgb = bgr[:, :, ::-1]
        assert (saturation(rgb[on_screen(ASTRONAUT_EYES)]) > 40) == (index in drawn), index
        # The video file, frame by frame in step: second s of the show shows its second s.
        corner = rgb[-20:, -20:].reshape(-1, 3).mean(axis=0)
        expected = SECOND_COLOURS[(index // FPS) % len(SECOND_COLOURS)]
        assert np.abs(corner - expected).sum() < 40, (index, corner)
    capture.release()


def test_a_set_draws_each_songs_own_source_eyes(show_folder):
    """A render of a two-song set: song 1's projection was made from a video without a face
    (its target images, flat grey), song 2's from the astronaut's video (its own
    source_video). The overlay follows the frame's song: eyes in song 2's frames only. A
    song whose eyes were never computed is refused by name, with the command to run."""
    from live.config import load_config
    from live.contracts.state import ControlEvent, write_event_log
    from live.engine.show import eye_sources
    from live.overlay.sources import SourceEyesError, sidecar_path

    folder, seconds, switch = show_folder, 5, 2.0
    blank = np.full((PROJECTION_FRAMES, SIZE, SIZE, 3), 96, np.uint8)
    ProjectionFile.write(folder / "blank.hdf5", np.zeros((PROJECTION_FRAMES, 16, 512),
                                                         np.float32), fps=FPS,
                         target_images=blank)
    SourceEyes.analyse(blank, PROJECTION_FRAMES).save(folder / "blank.hdf5")
    (folder / "set.toml").write_text(f"""
[show]
fps = {FPS}

[networks]
files = ["near.safetensors"]

[audio]
source = "file"
file = "loop.wav"
output_device = "none"

[latents]
source = "projection"
gain = 0.0

[output]
width = {OUTPUT}
height = {OUTPUT}

[overlays]
eyes = true

[[songs]]
name = "blank"
[songs.latents]
projection.file = "blank.hdf5"

[[songs]]
name = "face"
transition = "cut"
source_video = "original.avi"
[songs.latents]
projection.file = "face.hdf5"
""")
    with (folder / "song.jsonl").open("w") as stream:
        write_event_log([ControlEvent(0.0, "osc", "frame_scale", SCALE),
                         ControlEvent(switch, "osc", "song", 1.0)], stream)
    result = run_cli("render", folder / "set.toml", "--audio", folder / "loop.wav",
                     "--seconds", seconds, "--out", folder / "set.mp4",
                     "--frame-log", folder / "set.jsonl", "--replay", folder / "song.jsonl",
                     cwd=folder, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    rows = read_frame_log(folder / "set.jsonl")
    assert [r["song"] for r in rows] == [0] * round(switch * FPS) \
        + [1] * round((seconds - switch) * FPS)
    drawn = [r["index"] for r in rows if r["eyes"] == 1.0]
    assert drawn == [r["index"] for r in rows if r["song"] == 1], \
        [(r["index"], r["song"], r["eyes"]) for r in rows]
    capture = cv2.VideoCapture(str(folder / "set.mp4"))
    for index in range(seconds * FPS):
        ok, bgr = capture.read()
        assert ok, index
        assert (saturation(bgr[:, :, ::-1][on_screen(ASTRONAUT_EYES)]) > 40) == \
            (index in drawn), index
    capture.release()

    sidecar_path(folder / "blank.hdf5").unlink()
    with pytest.raises(SourceEyesError, match=r"song 1 \(blank\): .*run 'gance-live overlays "
                                              r".*blank\.hdf5'"):
        eye_sources(load_config(folder / "set.toml"))
