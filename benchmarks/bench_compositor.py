"""Compositor cost per frame: upload a frame and upscale it onto the output.

Runs the real renderer in a headless EGL context (whatever GPU EGL finds; Mesa llvmpipe on a
machine without one) and times, per resampling method, upload + draw with ``glFinish`` so
the work is really done, then the readback a recording adds, and the performed look's cost
(the bicubic draw with every look parameter played, against the same draw at rest) and a
period of feedback trails (one trail pass at the frame's size, then the draw). The
headline case is a 1024x1024 frame on a 3840x2160 projector (frame fitted: 2160x2160 drawn);
the demo's case (128 px frames on a 1024x1024 output) shows what a CPU-only machine pays; the
square case is a 1024x1024 frame on a 1024x1024 output. Prints and saves figures in
milliseconds (medians).

    .venv/bin/python -m benchmarks.bench_compositor [--repeat 10]
"""

from __future__ import annotations

import argparse
import time

import moderngl
import numpy as np

from benchmarks.report import report
from live.compositor.context import headless_context, offscreen_target
from live.compositor.look import Look, trail_keep
from live.compositor.placement import Placement
from live.compositor.readback import FrameReadback
from live.compositor.renderer import FrameRenderer
from live.contracts.messages import PerformedLook

CASES = {"4k": ((1024, 1024), (3840, 2160)), "demo": ((128, 128), (1024, 1024)),
         "square": ((1024, 1024), (1024, 1024))}
LOOK_AT_REST = PerformedLook.declared_defaults()
LOOK_PLAYED = LOOK_AT_REST._replace(master=0.8, punch=1.3, saturation=0.6, hue=40.0,
                                    invert=True, zoom=1.5, pan_x=0.3, pan_y=-0.2, spin=15.0,
                                    strobe=0.8)
FLASH = 0.5          # the strobe's flash drawn with the played look (a uniform, like the rest)
TRAILS = LOOK_PLAYED._replace(feedback=0.7)
COMPARED = ("bicubic16", "bicubic9", "linear", "nearest")


def milliseconds(action, repeat: int) -> float:
    """Median wall time of ``action`` in ms, after one warm-up run."""
    action()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return float(np.median(times) * 1000)


def measure_case(renderer: FrameRenderer, name: str, frame_hw: tuple[int, int],
                 output_wh: tuple[int, int], repeat: int) -> dict[str, float]:
    ctx = renderer.ctx
    target = offscreen_target(ctx, *output_wh)
    frames = [np.random.default_rng(i).integers(0, 256, (*frame_hw, 4), np.uint8)
              for i in range(3)]
    turn = iter(range(10**9))

    def next_frame() -> np.ndarray:
        return frames[next(turn) % len(frames)]

    def upload() -> None:
        renderer.upload(next_frame())
        ctx.finish()

    figures = {f"{name}_upload_ms": milliseconds(upload, repeat)}
    for method in COMPARED:
        look = Look(method=method, placement=Placement("fit"))

        def upload_and_upscale() -> None:
            renderer.upload(next_frame())
            renderer.draw(target, look)
            ctx.finish()

        figures[f"{name}_upload_upscale_{method}_ms"] = milliseconds(upload_and_upscale, repeat)
    figures.update(measure_look(renderer, target, next_frame(), name, repeat))
    readback = FrameReadback(ctx, *output_wh)
    figures[f"{name}_record_readback_ms"] = milliseconds(
        lambda: (readback.submit(target, 1), readback.flush()), repeat)
    readback.release()
    target.release()
    return figures


def measure_look(renderer: FrameRenderer, target: moderngl.Framebuffer, frame: np.ndarray,
                 name: str, repeat: int) -> dict[str, float]:
    """The performed look's cost per frame: the bicubic draw with every look parameter away
    from rest, against the same draw at rest (the frame uploaded once, outside the timing)."""
    renderer.upload(frame)
    look = Look(placement=Placement("fit"))
    figures = {}
    for label, performed in (("rest", LOOK_AT_REST), ("played", LOOK_PLAYED)):
        def draw() -> None:
            renderer.draw(target, look, performed=performed, flash=FLASH)
            renderer.ctx.finish()
        figures[f"{name}_draw_look_{label}_ms"] = milliseconds(draw, repeat)
    figures[f"{name}_look_cost_ms"] = (figures[f"{name}_draw_look_played_ms"]
                                       - figures[f"{name}_draw_look_rest_ms"])

    def trail_period() -> None:   # what one output period with trails on costs
        renderer.advance_trails(TRAILS.feedback, trail_keep(TRAILS.trail_time, 30))
        renderer.draw(target, look, performed=TRAILS, flash=FLASH)
        renderer.ctx.finish()
    def trail_pass() -> None:     # the trail step alone: at the frame's size, whatever the output
        renderer.advance_trails(TRAILS.feedback, trail_keep(TRAILS.trail_time, 30))
        renderer.ctx.finish()
    figures[f"{name}_draw_look_trails_ms"] = milliseconds(trail_period, repeat)
    figures[f"{name}_trails_cost_ms"] = (figures[f"{name}_draw_look_trails_ms"]
                                         - figures[f"{name}_draw_look_played_ms"])
    figures[f"{name}_trail_pass_ms"] = milliseconds(trail_pass, repeat)
    renderer.advance_trails(0.0, 1.0)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    renderer = FrameRenderer(headless_context())
    renderer_name = renderer.ctx.info["GL_RENDERER"]
    figures: dict[str, object] = {"renderer": renderer_name}
    for name, (frame_hw, output_wh) in CASES.items():
        figures[f"{name}_case"] = (f"{frame_hw[1]}x{frame_hw[0]} frame -> "
                                   f"{output_wh[0]}x{output_wh[1]} output")
        figures.update(measure_case(renderer, name, frame_hw, output_wh, args.repeat))
    if "llvmpipe" in renderer_name.lower():
        figures["gpu"] = "not measured: no GPU on this machine (target there: 4k upload+upscale <= 1.5 ms)"
    report("compositor", figures)


if __name__ == "__main__":
    main()
