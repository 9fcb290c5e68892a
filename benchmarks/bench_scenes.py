"""Scene morph cost per frame: the conductor's work for one frame of a scene recall's glide.

A recall glides every float parameter of the surface (each one away from the scene's value)
over a long morph; each frame the conductor computes the eased values and applies and logs
them as events (JSON lines, as ``--log-events`` writes them). Timed per frame against the
same frame with no morph under way. Prints and saves figures in microseconds (medians).

    .venv/bin/python -m benchmarks.bench_scenes [--frames 600]
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.report import report
from live.contracts.state import ControlEvent, ShowState, write_event_log
from live.control.scenes import SCENE_PARAMETERS, SceneBook, snapshot
from live.engine.conductor import Conductor

FPS = 30


def scene_far_from(state: ShowState) -> dict[str, float]:
    """A scene whose every float differs from ``state``'s: each at the other end of its range."""
    values = snapshot(state)
    for declared in SCENE_PARAMETERS:
        if declared.kind == "float":
            low, high = declared.range
            values[declared.name] = high if values[declared.name] != high else low
    return values


def per_frame_us(conductor: Conductor, frames: int) -> list[float]:
    times = []
    for index in range(frames):
        start = time.perf_counter()
        conductor._glide(index)
        times.append((time.perf_counter() - start) * 1e6)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=600)
    args = parser.parse_args()
    log = io.StringIO()
    with tempfile.TemporaryDirectory() as folder:
        book = SceneBook(Path(folder) / "bench.scenes.toml", network_count=2)
        state = ShowState(scene_morph=args.frames / FPS)
        book.save(1, scene_far_from(state))
        conductor = Conductor(fps=FPS, state=state, network_count=2, instrument=None,
                              features_at=None, ring=None, workers=None, inbox=None,
                              controls=None, scenes=book,
                              on_event=lambda event: write_event_log([event], log))
        idle = per_frame_us(conductor, 200)
        conductor._apply(ControlEvent(0.0, "bench", "scene_recall", 1.0))
        gliding = len(conductor._morph.glides)
        morph = per_frame_us(conductor, args.frames)
    figures = {"floats_gliding": gliding, "frames": args.frames,
               "morph_frame_us": float(np.median(morph)),
               "morph_frame_p99_us": float(np.percentile(morph, 99)),
               "idle_frame_us": float(np.median(idle)),
               "log_bytes_per_frame": len(log.getvalue()) / args.frames}
    report("scenes", figures)


if __name__ == "__main__":
    main()
