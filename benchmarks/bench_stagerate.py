"""Stage rate without a GPU: synthetic workers of a set speed, 1 to 8 of them, at 60 fps.

    PYTHONPATH=. .venv/bin/python -m benchmarks.bench_stagerate [--seconds 6]
        [--synth-ms 4 16 40] [--workers 1 2 4 8] [--size 1024] [--output 320x180]

Each run is ``gance-live run --headless`` of the demo show at 60 fps with
``[engine] synthesis = "synthetic"``: every worker takes the set time per frame (1 ms of
jitter) and writes a real ``size``² RGBA8 frame into its slot, so the scheduler, the shared-
memory transport, the reorder buffer and the compositor (upload, bicubic draw into the
recording at the ``--output`` size, x264) run at stage rate. Per run: frames shown per
second, drops (the compositor's), skips (the scheduler's: nobody could have them ready in
time), hop-captured-to-swap latency p50/p95, and the median upload stage (in slot to
uploaded, which llvmpipe's texture upload bounds at 1024²).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from benchmarks.report import report
from live.contracts.frames import frame_budget
from tests.support.showrun import ShowFailed, run_headless

FPS = 60


def run(synth_ms: float, workers: int, seconds: float, size: int, output: tuple[int, int],
        folder: Path) -> dict[str, float]:
    sets = [f"show.fps={FPS}", 'engine.synthesis="synthetic"', f"engine.workers={workers}",
            f"engine.synthetic_ms=[{synth_ms:g}]", f"engine.synthetic_size={size}",
            f"output.width={output[0]}", f"output.height={output[1]}",
            f"engine.slots={max(8, 2 * workers + 4)}"]
    try:
        show = run_headless(sets, seconds, folder, name=f"w{workers}-s{synth_ms:g}")
    except ShowFailed as failed:
        raise SystemExit(f"workers {workers}, {synth_ms} ms: {failed}") from None
    budgets = [b for row in show.rows if (b := frame_budget(row)) is not None]
    total = np.asarray([b["total"] for b in budgets]) * 1000
    return {"shown_fps": round(show.shown / seconds, 1), "dropped": show.dropped,
            "skipped": show.skipped,
            "latency_ms_p50": round(float(np.percentile(total, 50)), 1),
            "latency_ms_p95": round(float(np.percentile(total, 95)), 1),
            "upload_ms_p50": round(1000 * float(np.median([b["upload"] for b in budgets])), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--synth-ms", type=float, nargs="+", default=[4.0, 16.0, 40.0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--output", default="320x180", help="recorded output WxH")
    args = parser.parse_args()
    output = tuple(int(v) for v in args.output.split("x"))
    figures = {}
    print("| synthesis | workers | shown fps | dropped | skipped | latency p50 / p95 | "
          "upload p50 |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as folder:
        for synth_ms in args.synth_ms:
            for workers in args.workers:
                row = run(synth_ms, workers, args.seconds, args.size, output, Path(folder))
                figures[f"{synth_ms:g}ms x{workers}"] = row
                print(f"| {synth_ms:g} ms | {workers} | {row['shown_fps']} | {row['dropped']} "
                      f"| {row['skipped']} | {row['latency_ms_p50']} / {row['latency_ms_p95']} "
                      f"ms | {row['upload_ms_p50']} ms |", flush=True)
    report(f"stagerate_{args.size}", {"size": args.size, "output": args.output, "fps": FPS,
                         "seconds": args.seconds, **figures})


if __name__ == "__main__":
    main()
