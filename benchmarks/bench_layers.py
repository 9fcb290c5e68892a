"""The layers' costs (issue 12): eye detection and phash per frame on the CPU, what the eye
overlays add to the output loop, and the video layer on the output.

- ``eyes``: :class:`~live.overlay.eyes.EyeFinder.sample` (face, eyes, region phash) on a
  1024x1024 frame holding scikit-image's astronaut at 1024 px, and the whole comparison a
  frame gets off the output loop (:meth:`EyeDetector.compute`: both sides, source region).
- ``output``: per shown frame, what the live eye overlays add to the compositor's own loop:
  the copy handed to the detector, the region's upload and its feathered draw (headless EGL,
  1024x1024 frame on a 1024x1024 output, with ``glFinish``). The detection itself runs on
  its thread beside the loop and never delays a frame: a late result is dropped.
- ``video``: the draw of a 1024x1024 frame on a 1920x1080 output alone, and with a 1920x1080
  video layer below it (the newest picture uploaded, the frame drawn into its layer and mixed
  over the video), on whatever EGL finds (Mesa llvmpipe without a GPU).
- ``source video``: reading the eye overlays' source frame from the original video
  (``[overlays] source_video``: :class:`~live.video.sources.SourceVideo`, on the detector's
  thread) from a 1920x1080 H.264 file at 30 fps cropped to 1080x1080: the next frame of a
  projection at the video's fps, at half its fps (two frames decoded), and after a seek (a
  jump, as when the projection loops); the process's CPU time, FFmpeg's decoding threads
  included.
- ``show``: what the eye overlays add to a running show's latency: ``gance-live run
  --headless`` of a 512² face (a stand-in network drawing the astronaut in grey) playing a
  projection of the astronaut (10 fps), eyes off and eyes on (``detection_ms`` 120):
  the median hop-captured-to-swap latency of each, and with eyes on the share of shown
  frames whose detection result was there in time (the overlay fully on: a track of the
  near face never breaks unless results are late).

Prints and saves figures in milliseconds (medians).

    .venv/bin/python -m benchmarks.bench_layers [--repeat 20] [--show-seconds 20]
        [--show-fps 10] [--detection-ms 120]
"""

from __future__ import annotations

import argparse
import itertools
import subprocess
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from benchmarks.report import report
from live.compositor.context import headless_context, offscreen_target
from live.compositor.layers import EyeDrawing
from live.compositor.look import Look
from live.compositor.placement import Placement
from live.compositor.renderer import LAYERS_AT_REST, FrameRenderer
from live.overlay.config import OverlaysConfig
from live.overlay.detector import EyeDetector, SongSource
from live.overlay.eyes import EyeFinder
from live.overlay.sources import SourceEyes
from live.video.sources import SourceVideo

def milliseconds(action, repeat: int, clock=time.perf_counter) -> float:
    """Median time of ``action`` in ms by ``clock`` (wall by default; ``time.thread_time``
    counts only this thread's CPU, which a busy machine does not inflate), after a warm-up."""
    action()
    times = []
    for _ in range(repeat):
        start = clock()
        action()
        times.append(clock() - start)
    return float(np.median(times) * 1000)


def astronaut_frame(size: int = 1024) -> np.ndarray:
    from skimage import data

    rgb = cv2.resize(data.astronaut(), (size, size), interpolation=cv2.INTER_LINEAR)
    return np.dstack([rgb, np.full((size, size), 255, np.uint8)])


def measure_eyes(repeat: int) -> dict[str, float]:
    frame = astronaut_frame()
    finder = EyeFinder()
    source = SourceEyes.analyse([frame[:, :, :3]], 1)
    detector = EyeDetector(lambda song: SongSource(source, lambda index: frame[:, :, :3]),
                           margin=0.25)
    figures = {"eyes: find + phash, 1024x1024, wall": milliseconds(
                   lambda: finder.sample(frame), repeat),
               "eyes: find + phash, 1024x1024, CPU": milliseconds(
                   lambda: finder.sample(frame), repeat, time.thread_time),
               "eyes: whole comparison, 1024x1024, CPU": milliseconds(
                   lambda: detector.compute(0, frame, 0, 0), repeat, time.thread_time)}
    detector.close()
    return figures


def measure_output(repeat: int) -> dict[str, float]:
    frame = astronaut_frame()
    ctx = headless_context()
    renderer = FrameRenderer(ctx)
    target = offscreen_target(ctx, 1024, 1024)
    look = Look(method="bicubic", placement=Placement(mode="fit"))
    region = frame[150:260, 350:560, :3].copy()

    def plain() -> None:
        renderer.upload(frame)
        renderer.draw(target, look)
        ctx.finish()

    def with_eyes() -> None:
        # What the loop itself does: the copy the detector gets (EyeDetector.submit; the
        # detection runs on its thread, beside the loop), the region upload and its draw.
        np.array(frame[:, :, :3])
        renderer.layers.set_eyes(region, EyeDrawing((350, 150, 210, 110), (1024, 1024), 1.0,
                                                    0.35))
        plain()

    figures = {"output: frame drawn, no eyes, 1024 on 1024": milliseconds(plain, repeat),
               "output: frame drawn, eyes on, 1024 on 1024": milliseconds(with_eyes, repeat)}
    figures["output: added by the eye overlays"] = (
        figures["output: frame drawn, eyes on, 1024 on 1024"]
        - figures["output: frame drawn, no eyes, 1024 on 1024"])
    renderer.release()
    ctx.release()
    return figures


def measure_video(repeat: int) -> dict[str, float]:
    frame = astronaut_frame()
    video = np.dstack([np.random.default_rng(0).integers(0, 255, (1080, 1920, 3), np.uint8),
                       np.full((1080, 1920), 255, np.uint8)])
    ctx = headless_context()
    renderer = FrameRenderer(ctx)
    target = offscreen_target(ctx, 1920, 1080)
    look = Look(method="bicubic", placement=Placement(mode="fit"))
    layers = LAYERS_AT_REST._replace(frame_scale=0.6, frame_opacity=0.8, frame_blend=2)

    def plain() -> None:
        renderer.upload(frame)
        renderer.draw(target, look)
        ctx.finish()

    def over_video() -> None:
        renderer.layers.upload_video(video)
        renderer.upload(frame)
        renderer.draw(target, look, layers=layers)
        ctx.finish()

    figures = {"video: frame on 1920x1080, no video": milliseconds(plain, repeat),
               "video: frame over a 1920x1080 video (screen, 0.8)": milliseconds(over_video,
                                                                                  repeat),
               "renderer": ctx.info["GL_RENDERER"]}
    figures["video: added by the video layer"] = (
        figures["video: frame over a 1920x1080 video (screen, 0.8)"]
        - figures["video: frame on 1920x1080, no video"])
    renderer.release()
    ctx.release()
    return figures


def measure_source_video(repeat: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "original.mp4"
        subprocess.run(["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i",
                        "testsrc2=size=1920x1080:rate=30", "-t", str(repeat + 4), "-c:v",
                        "libx264", "-pix_fmt", "yuv420p", "-g", "60", str(path)], check=True)
        figures = {}
        for label, projection_fps in (("at the video's fps", 30.0), ("at half its fps", 15.0)):
            video = SourceVideo(path, projection_fps, "crop")
            frames = iter(range(10 ** 6))
            figures[f"source video: next frame {label}, 1920x1080 to 1080², CPU"] = \
                milliseconds(lambda: video.frame(next(frames)), repeat, time.process_time)
            video.close()
        # Frames 0 and 90 in turn: every read seeks (OpenCV decodes from the keyframe before,
        # here frame 0 or 60 of a 60-frame GOP, so up to 30 frames).
        video = SourceVideo(path, 30.0, "crop")
        jumps = itertools.cycle([0, 90])
        figures["source video: a frame after a seek (keyframes every 60), CPU"] = milliseconds(
            lambda: video.frame(next(jumps)), repeat, time.process_time)
        video.close()
    return figures


def measure_show(seconds: float, fps: int, detection_ms: float) -> dict[str, float]:
    from live.contracts.frames import frame_budget
    from live.latents.projection import ProjectionFile
    from live.synth.cache import save_safetensors
    from tests.overlay.faces import face_frame
    from tests.support.showrun import make_show, read_frame_log, run_cli
    from tests.synth.standins import picture_network

    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        show = make_show(folder)
        frames = 4 * fps
        ProjectionFile.write(folder / "face.hdf5", np.zeros((frames, 16, 512), np.float32),
                             fps=fps, target_images=np.stack([face_frame(512)] * frames))
        run_cli("overlays", folder / "face.hdf5", cwd=folder).check_returncode()
        grey = cv2.cvtColor(face_frame(512, dx=20), cv2.COLOR_RGB2GRAY)
        save_safetensors(picture_network(grey), folder / "face.safetensors")
        for eyes in (False, True):
            log = folder / f"eyes-{eyes}.jsonl"
            result = run_cli(
                "run", show, "--headless", "--seconds", seconds, "--frame-log", log,
                *(a for setting in (f"show.fps={fps}", 'networks.files=["face.safetensors"]',
                                    'latents.source="projection"', "latents.gain=0.0",
                                    'latents.projection.file="face.hdf5"', "output.width=512",
                                    "output.height=512", f"overlays.eyes={str(eyes).lower()}",
                                    f"overlays.detection_ms={detection_ms}")
                  for a in ("--set", setting)), cwd=folder, timeout=seconds + 300)
            result.check_returncode()
            rows = read_frame_log(log)[2 * fps:]     # after the start's first seconds
            totals = [budget["total"] for budget in map(frame_budget, rows) if budget]
            state = "on" if eyes else "off"
            figures[f"show: audio to screen, eyes {state}, median"] = 1000 * float(
                np.median(totals))
            if eyes:
                figures["show: frames with the overlay fully on (results in time), %"] = 100 * \
                    float(np.mean([row["eyes"] == 1.0 for row in rows]))
                figures["show: frames with the overlay partly on, %"] = 100 * \
                    float(np.mean([row["eyes"] > 0.0 for row in rows]))
    figures["show: added by the eye overlays"] = (figures["show: audio to screen, eyes on, median"]
                                                 - figures["show: audio to screen, eyes off, median"])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--show-seconds", type=float, default=20.0)
    parser.add_argument("--show-fps", type=int, default=10)
    parser.add_argument("--detection-ms", type=float, default=OverlaysConfig().detection_ms)
    args = parser.parse_args()
    figures = {**measure_eyes(args.repeat), **measure_output(args.repeat),
               **measure_video(args.repeat), **measure_source_video(args.repeat),
               **measure_show(args.show_seconds, args.show_fps, args.detection_ms)}
    report("layers", figures)


if __name__ == "__main__":
    main()
