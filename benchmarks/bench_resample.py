"""Renders on software OpenGL: the frame's upscale in the shader against on the CPU.

    .venv/bin/python -m benchmarks.bench_resample [--repeat 10] [--seconds 3]

1. **Per frame**, a 1024x1024 frame on a 3840x2160 output (fitted: 2160x2160 drawn), in the
   real renderer in a headless EGL context (Mesa llvmpipe without a GPU), each with
   ``glFinish``: upload and draw with the shader's Catmull-Rom (``cpu_resample`` off); the
   same with the CPU path (the frame read back, resampled on the CPU, uploaded at 2160x2160
   and drawn texel for texel); the CPU resampling alone; and OpenCV's cubic resize to the
   same 2160x2160 for reference (``INTER_CUBIC`` is a = -0.75, not Catmull-Rom: a speed
   yardstick only). Medians in milliseconds.
2. **A render**: ``gance-live render`` of the demo show with synthetic workers drawing
   1024x1024 frames onto a 2160x2160 output, encoded to mp4, with ``[output] cpu_resample``
   on and off: frames per second between the first frame recorded and the last.

The load average is saved with the figures: the machine is often shared.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from benchmarks.report import report
from live.compositor.context import headless_context, offscreen_target
from live.compositor.cpu_resample import footprint, resample
from live.compositor.look import Look
from live.compositor.placement import Placement, frame_rect
from live.compositor.renderer import FrameRenderer

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "config" / "demo.toml"
FRAME, OUTPUT = 1024, (3840, 2160)
RENDER_OUTPUT = 2160


def milliseconds(action, repeat: int) -> float:
    """Median wall time of ``action`` in ms, after one warm-up run."""
    action()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return float(np.median(times) * 1000)


def per_frame(repeat: int) -> dict[str, float]:
    renderer = FrameRenderer(headless_context())
    ctx = renderer.ctx
    target = offscreen_target(ctx, *OUTPUT)
    look = Look(placement=Placement("fit"))
    frames = [np.random.default_rng(i).integers(0, 256, (FRAME, FRAME, 4), np.uint8)
              for i in range(3)]
    turn = iter(range(10**9))

    def upload_and_draw() -> None:
        renderer.upload(frames[next(turn) % len(frames)])
        renderer.draw(target, look)
        ctx.finish()

    figures = {"gl_renderer": ctx.info["GL_RENDERER"]}
    for cpu in (False, True):
        renderer.cpu_resample = cpu
        key = "cpu_path" if cpu else "shader"
        figures[f"{key}_upload_and_draw_ms"] = milliseconds(upload_and_draw, repeat)
    rect = frame_rect(FRAME, FRAME, *OUTPUT, look.placement)
    where = footprint((FRAME, FRAME), rect, OUTPUT)
    rgb = np.ascontiguousarray(frames[0][:, :, :3])
    figures["cpu_resample_alone_ms"] = milliseconds(lambda: resample(rgb, where), repeat)
    figures["opencv_inter_cubic_ms"] = milliseconds(
        lambda: cv2.resize(rgb, (where.width, where.height), interpolation=cv2.INTER_CUBIC),
        repeat)
    renderer.release()
    ctx.release()
    return figures


def render_fps(cpu_resample: bool, seconds: float, folder: Path) -> float:
    """Frames per second of a demo render of synthetic 1024² frames onto a 2160² output."""
    from live.audio.demo import demo_loop_path

    log = folder / f"render_{cpu_resample}.jsonl"
    settings = ['engine.synthesis="synthetic"', f"engine.synthetic_size={FRAME}",
                "engine.synthetic_ms=[5.0]", f"output.width={RENDER_OUTPUT}",
                f"output.height={RENDER_OUTPUT}", f"output.cpu_resample={str(cpu_resample).lower()}"]
    subprocess.run([sys.executable, "-m", "live", "render", DEMO, "--audio", demo_loop_path(),
                    "--out", folder / f"render_{cpu_resample}.mp4", "--seconds", str(seconds),
                    "--frame-log", log, *(a for s in settings for a in ("--set", s))],
                   cwd=ROOT, check=True, capture_output=True, text=True)
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    assert {row["resample"] for row in rows} == {"cpu" if cpu_resample else "gl"}
    return (len(rows) - 1) / (rows[-1]["t_swapped"] - rows[0]["t_swapped"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    figures = {"load_average_before": os.getloadavg()[0]}
    figures.update(per_frame(args.repeat))
    with tempfile.TemporaryDirectory() as folder:
        for cpu in (False, True):
            figures[f"render_fps_cpu_resample_{str(cpu).lower()}"] = round(
                render_fps(cpu, args.seconds, Path(folder)), 2)
    figures["load_average_after"] = os.getloadavg()[0]
    report("resample", figures)


if __name__ == "__main__":
    main()
