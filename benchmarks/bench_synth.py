"""Synthesis benchmarks: network loading (safetensors cache against pickles) and frame speed.

    .venv/bin/python -m benchmarks.bench_synth            # everything this machine can run
    .venv/bin/python -m benchmarks.bench_synth --quick    # smaller networks, fewer frames

Figures:
- ``load_*``: seconds to load a 1024 px config-f generator (channel_base 32768, 30M
  parameters) from a stylegan2-ada-pytorch pickle, a TensorFlow pickle, and (second load of
  the same pickle) from the safetensors cache; target: cache >= 5x faster than the pickle.
- ``cpu_demo_*``: the demo network (128 px) on the worker's frame path (batch 1, RGBA8 out):
  one process with 1 thread, and two such processes at once (the 2-core show: target 15 FPS).
- ``cpu_256_*``: a 256 px network (channel_base 16384) on all CPU threads.
- ``cuda_1024_*`` (only with a GPU): config-f at 1024 px, fp16 and fp32, and their PSNR.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

from benchmarks.report import report
from live.synth import NetworkSet, load_network
from live.synth.bench import bench_frame_path, run_bench, synthetic_generator
from tests.synth.standins import write_pytorch_pickle, write_tf_pickle

LOAD_REPEATS = 3          # best-of for load timings (the first may include the page cache)
DEMO_FRAMES = 60          # timed frames per demo measurement
WORKER_PROCESSES = 2      # CPU workers of the 2-core show


def best_time(fn: Any, repeats: int = LOAD_REPEATS) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_loading(workdir: Path, resolution: int, channel_base: int) -> dict[str, Any]:
    os.environ["GANCE_LIVE_CACHE"] = str(workdir / "cache")
    G = synthetic_generator(resolution, channel_base, num_fp16_res=4, conv_clamp=256)
    pkl = write_pytorch_pickle(G, workdir / "ada.pkl")
    tf = write_tf_pickle(G, workdir / "tf.pkl", static_kwargs=dict(num_fp16_res=4,
                                                                   conv_clamp=256))
    pickle_s = best_time(lambda: load_network(pkl, cache=False))
    tf_s = best_time(lambda: load_network(tf, cache=False))
    load_network(pkl)  # first load: converts into the cache
    cached_s = best_time(lambda: load_network(pkl))
    return {"load_network": f"{resolution} px, channel_base {channel_base}",
            "load_parameters": sum(p.numel() for p in G.parameters()),
            "load_pickle_mb": round(pkl.stat().st_size / 2 ** 20, 1),
            "load_pytorch_pickle_s": pickle_s, "load_tf_pickle_s": tf_s,
            "load_cached_s": cached_s, "load_cache_speedup": pickle_s / cached_s}


def _demo_worker(barrier: Any, frames: int, results: Any) -> None:
    torch.set_num_threads(1)
    netset = NetworkSet(["demo:0"], device="cpu")
    bench_frame_path(netset, 2)  # warm up before the common start
    barrier.wait()
    results.put(bench_frame_path(netset, frames))


def bench_demo_workers(frames: int, processes: int) -> dict[str, float]:
    """``processes`` single-threaded workers drawing the demo at once: aggregate FPS."""
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(processes), ctx.Queue()
    procs = [ctx.Process(target=_demo_worker, args=(barrier, frames, results))
             for _ in range(processes)]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=600) for _ in procs]
    for p in procs:
        p.join()
    # The workers run side by side from a common start, so their rates add up.
    return {f"cpu_demo_{processes}_workers_fps": sum(s["fps"] for s in outcomes),
            f"cpu_demo_{processes}_workers_p50_ms": max(s["p50_ms"] for s in outcomes)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller networks, fewer frames")
    args = parser.parse_args()
    frames = 15 if args.quick else DEMO_FRAMES
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        figures.update(bench_loading(Path(tmp), 256 if args.quick else 1024, 32768))
        torch.set_num_threads(1)
        demo = run_bench("demo:0", "cpu", [1, 4], frames, fp16=False)
        figures.update({"cpu_demo_1thread_fps": demo["frame_path"]["fps"],
                        "cpu_demo_1thread_p50_ms": demo["frame_path"]["p50_ms"],
                        "cpu_demo_1thread_p99_ms": demo["frame_path"]["p99_ms"],
                        "cpu_demo_1thread_batch4_fps": demo["batches"]["4"]["fps"]})
        figures.update(bench_demo_workers(frames, WORKER_PROCESSES))
        torch.set_num_threads(os.cpu_count() or 1)
        big = run_bench(None, "cpu", [1], max(3, frames // 6), fp16=False, resolution=256,
                        channel_base=16384)
        figures.update({"cpu_256_threads": big["threads"], "cpu_256_fps": big["frame_path"]["fps"],
                        "cpu_256_p50_ms": big["frame_path"]["p50_ms"]})
        if torch.cuda.is_available():
            for fp16 in (True, False):
                r = run_bench(None, "cuda", [1, 8], 200, fp16=fp16, resolution=1024,
                              channel_base=32768)
                tag = "fp16" if fp16 else "fp32"
                figures.update({f"cuda_1024_{tag}_fps": r["frame_path"]["fps"],
                                f"cuda_1024_{tag}_p50_ms": r["frame_path"]["p50_ms"],
                                f"cuda_1024_{tag}_p99_ms": r["frame_path"]["p99_ms"],
                                f"cuda_1024_{tag}_batch8_fps": r["batches"]["8"]["fps"]})
                if fp16:
                    figures["cuda_1024_fp16_psnr_db"] = r["fp16_psnr_db"]
                    figures["cuda_gpu"] = r["gpu"]
        else:
            figures["cuda"] = "no CUDA device: GPU figures not measured"
    report("synth", figures)


if __name__ == "__main__":
    main()
