"""`render --cluster` (issue 16): frames/s of a render locally and over two Ray nodes.

    .venv/bin/python -m benchmarks.bench_cluster [--frames 600] [--shard-seconds 10 2]

The demo show (its four demo networks, 512x512 output, 15 fps) rendered to ``--frames``
frames of the demo loop, end to end as a user runs it (planning, start-up, encoding, muxing):

1. locally: ``gance-live render`` with two CPU workers;
2. over a Ray head and a second node on this machine (one CPU each, so the same two cores
   draw: the difference is the cluster's overhead), once per ``--shard-seconds``; the
   cluster is started beforehand and not timed. Each run starts with an empty shard cache.

The overhead per shard is the slope of the cluster's time against its number of shards.
Object-store traffic per frame: the plan's bytes (a frame's W+ and its fields, pickled) out,
the encoded segment's bytes back.
"""

from __future__ import annotations

import argparse
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.report import report
from live.audio.demo import demo_loop_path
from tests.support.ray_cluster import ray_cluster
from tests.support.showrun import DEMO, cli_env

FPS = 15


def timed_render(out: Path, frames: int, *extra: object, env: dict[str, str]) -> float:
    args = ["render", DEMO, "--audio", demo_loop_path(), "--out", out,
            "--seconds", frames / FPS, "--set", f"show.fps={FPS}", *extra]
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "live", *map(str, args)], env=env,
                            capture_output=True, text=True, timeout=7200)
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr[-3000:]
    print(f"{out.name}: {elapsed:.1f} s, load average {os.getloadavg()[0]:.1f}", flush=True)
    return elapsed


def plan_bytes_per_frame(frames: int) -> float:
    from live.config import load_config
    from live.engine.show import ShowOptions, plan_render

    cfg = load_config(DEMO, {"show.fps": FPS})
    options = ShowOptions(mode="render", seconds=frames / FPS, audio=demo_loop_path())
    with tempfile.TemporaryDirectory() as scratch:
        plan, _ = plan_render(cfg, options, Path(scratch))
    return len(pickle.dumps(plan, protocol=5)) / len(plan.frames)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=600)
    parser.add_argument("--shard-seconds", type=float, nargs="+", default=[10.0, 2.0])
    args = parser.parse_args()
    figures: dict[str, float | str] = {"frames": args.frames,
                                       "load average at start": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as folder:
        folder = Path(folder)
        local = timed_render(folder / "local.mp4", args.frames, "--set", "engine.workers=2",
                             env=cli_env())
        figures["local: s"] = local
        figures["local: frames/s"] = args.frames / local
        runs = []
        with ray_cluster(folder / "ray") as cluster:
            for seconds in args.shard_seconds:
                out = folder / f"cluster-{seconds:g}.mp4"
                elapsed = timed_render(out, args.frames, "--cluster", cluster.address,
                                       "--shard-seconds", seconds, env=cluster.env)
                cache = out.with_name(out.name + ".shards")
                shards = len(list(cache.glob("*.mp4")))
                segment_bytes = sum(p.stat().st_size for p in cache.glob("*.mp4"))
                runs.append((shards, elapsed))
                figures[f"cluster, {shards} shards of {seconds:g} s: s"] = elapsed
                figures[f"cluster, {shards} shards of {seconds:g} s: frames/s"] = \
                    args.frames / elapsed
                figures["segment bytes per frame (back)"] = segment_bytes / args.frames
                shutil.rmtree(cache)
        (few, slow), (many, fast) = runs[0], runs[-1]
        if many != few:
            figures["overhead per shard: s"] = (fast - slow) / (many - few)
    figures["plan bytes per frame (out)"] = plan_bytes_per_frame(args.frames)
    figures["load average at end"] = os.getloadavg()[0]
    report("cluster", figures)


if __name__ == "__main__":
    main()
