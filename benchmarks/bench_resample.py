"""Renders on software OpenGL: the frame's upscale in the shader against on the CPU.

    .venv/bin/python -m benchmarks.bench_resample [--repeat 10] [--seconds 3] [--renders 2]

1. **Per frame**, a 1024x1024 frame on a 3840x2160 output (fitted: 2160x2160 drawn), in the
   real renderer in a headless EGL context (Mesa llvmpipe without a GPU), drawn as for the
   recording, each with ``glFinish``: upload and draw with the shader's Catmull-Rom
   (``cpu_resample`` off); the same with the CPU path (the frame read back, resampled on the
   CPU over the background and copied to the output), and both again with a colour look
   played (where the CPU path leaves the frame to the shader: the two should agree); the CPU
   resampling alone; and OpenCV's cubic resize to the same 2160x2160 for reference
   (``INTER_CUBIC`` is a = -0.75, not Catmull-Rom: a speed yardstick only). Medians in
   milliseconds.
2. **A render**: ``gance-live render`` of the demo show with synthetic workers drawing
   1024x1024 frames onto a 2160x2160 output, encoded to mp4, with ``[output] cpu_resample``
   on and off (in turn, ``--renders`` each, the median): frames per second between the first
   frame recorded and the last.

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
from live.compositor.renderer import AT_REST, FrameRenderer
from live.contracts.messages import PerformedLook

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "config" / "demo.toml"
FRAME, OUTPUT = 1024, (3840, 2160)
RENDER_OUTPUT = 2160
# A look frame.frag has to apply, so the CPU path draws its picture through the shader.
COLOURED = AT_REST._replace(saturation=0.7, hue=20.0)


def interleaved_ms(actions: dict[str, object], repeat: int) -> dict[str, float]:
    """Median wall time in ms of each action, run in turn (so a load that changes while
    they run weighs on all alike), after one warm-up run each."""
    times: dict[str, list[float]] = {name: [] for name in actions}
    for round_ in range(repeat + 1):
        for name, action in actions.items():
            start = time.perf_counter()
            action()
            if round_:
                times[name].append(time.perf_counter() - start)
    return {name: float(np.median(values) * 1000) for name, values in times.items()}


def per_frame(repeat: int) -> dict[str, float]:
    renderer = FrameRenderer(headless_context())
    ctx = renderer.ctx
    target = offscreen_target(ctx, *OUTPUT)
    look = Look(placement=Placement("fit"))
    frames = [np.random.default_rng(i).integers(0, 256, (FRAME, FRAME, 4), np.uint8)
              for i in range(3)]
    turn = iter(range(10**9))

    def upload_and_draw(cpu: bool, performed: PerformedLook):
        def action() -> None:
            renderer.cpu_resample = cpu
            renderer.upload(frames[next(turn) % len(frames)])
            renderer.draw(target, look, flip_y=True, performed=performed)   # as recorded
            ctx.finish()
        return action

    rect = frame_rect(FRAME, FRAME, *OUTPUT, look.placement)
    where = footprint((FRAME, FRAME), rect, OUTPUT)
    rgb = np.ascontiguousarray(frames[0][:, :, :3])
    figures = {"gl_renderer": ctx.info["GL_RENDERER"]}
    figures.update(interleaved_ms({
        "shader_upload_and_draw_ms": upload_and_draw(False, AT_REST),
        "cpu_path_upload_and_draw_ms": upload_and_draw(True, AT_REST),
        "shader_coloured_look_upload_and_draw_ms": upload_and_draw(False, COLOURED),
        "cpu_path_coloured_look_upload_and_draw_ms": upload_and_draw(True, COLOURED),
        "cpu_resample_alone_ms": lambda: resample(rgb, where),
        "opencv_inter_cubic_ms": lambda: cv2.resize(rgb, (where.width, where.height),
                                                    interpolation=cv2.INTER_CUBIC),
    }, repeat))
    renderer.release()
    ctx.release()
    return figures


def render_fps(cpu_resample: bool, seconds: float, folder: Path) -> float:
    """Frames per second of a demo render of synthetic 1024² frames onto a 2160² output."""
    from live.audio.demo import demo_loop_path

    log = folder / f"render_{cpu_resample}.jsonl"
    settings = ['engine.synthesis="synthetic"', f"engine.synthetic_size={FRAME}",
                "engine.synthetic_ms=[5.0]", f"output.width={RENDER_OUTPUT}",
                f"output.height={RENDER_OUTPUT}",
                f"output.cpu_resample={str(cpu_resample).lower()}"]
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
    parser.add_argument("--renders", type=int, default=2, help="renders each way")
    args = parser.parse_args()
    figures = {"load_average_before": os.getloadavg()[0]}
    figures.update(per_frame(args.repeat))
    rates: dict[bool, list[float]] = {False: [], True: []}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.renders):   # in turn, as above
            for cpu in (False, True):
                rates[cpu].append(render_fps(cpu, args.seconds, Path(folder)))
    for cpu, values in rates.items():
        figures[f"render_fps_cpu_resample_{str(cpu).lower()}"] = round(float(np.median(values)), 2)
    figures["load_average_after"] = os.getloadavg()[0]
    report("resample", figures)


if __name__ == "__main__":
    main()
