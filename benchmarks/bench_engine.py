"""The whole engine on this machine: the demo's frame rate and the engine's own overhead.

    .venv/bin/python -m benchmarks.bench_engine [--seconds 10]

1. **Throughput**: ``gance-live render`` of the demo show (2 CPU workers by default, every
   frame drawn, encoded to mp4, no pacing): frames per second of wall time.
2. **Live**: ``gance-live run --headless`` of the demo for ``--seconds``: the time from
   launching the command to the first frame on screen, frames shown per second, and the engine's overhead per frame: from pixels complete in the slot
   (``t_synth_end``) to the frame on screen (``t_shown``), and dispatch to synthesis start.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.report import report
from tests.support.showrun import DEMO, read_frame_log, run_cli, run_headless


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    workers = f"engine.workers={args.workers}"
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        from live.audio.demo import demo_loop_path

        render_log = tmp / "render.jsonl"
        result = run_cli("render", DEMO, "--audio", demo_loop_path(), "--out", tmp / "r.mp4",
                         "--seconds", args.seconds, "--frame-log", render_log, "--set", workers,
                         timeout=600, cwd=tmp)
        if result.returncode != 0:
            raise SystemExit(f"render failed: {result.stderr.strip()[-2000:]}")
        rendered = read_frame_log(render_log)
        render_wall = rendered[-1]["t_shown"] - rendered[0]["t_dispatch"]

        launched = time.monotonic()   # frame logs use this clock
        shown = run_headless([workers], args.seconds, tmp, name="live").rows

    def ms(values: list[float], q: float) -> float:
        return round(float(np.percentile(np.asarray(values) * 1000, q)), 2)

    to_screen = [r["t_shown"] - max(r["t_synth_end"], r["t_due"]) for r in shown]
    to_start = [r["t_synth_start"] - r["t_dispatch"] for r in shown]
    synth = [r["t_synth_end"] - r["t_synth_start"] for r in rendered]
    report("engine", {
        "workers": args.workers,
        "launch_to_first_frame_s": round(shown[0]["t_shown"] - launched, 2),
        "render_fps": round(len(rendered) / render_wall, 2),
        "synth_ms_p50": ms(synth, 50),
        "live_distinct_frames_per_s": round(len(shown) / args.seconds, 2),
        "overhead_ready_to_shown_ms_p50": ms(to_screen, 50),
        "overhead_ready_to_shown_ms_p99": ms(to_screen, 99),
        "dispatch_to_synth_start_ms_p50": ms(to_start, 50),
        "audio_to_screen_ms_p50": ms([r["t_shown"] - r["t_audio"] for r in shown], 50),
    })


if __name__ == "__main__":
    main()
