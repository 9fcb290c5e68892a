"""The GPU check: everything a GPU box must show, in one call and one table.

    benchmarks/gpu_check.sh                        # on the GPU box (under 8 minutes)
    benchmarks/gpu_check.sh --device cpu --small   # the self-test (tests/test_gpu_check.py)

Rows, each with what it is measured against:

1. GPU against CPU images of the same network and W (PSNR, 8-bit scale), fp32 and fp16;
2. the worker's frame path (batch 1, RGBA8 into a host frame) with CUDA graphs on and off;
3. synthesis alone at batch 1, 4 and 8 (FPS, p50, p99 per call);
4. 1, 2 and 3 worker processes sharing the GPU, each on the frame path (total FPS);
5. the whole engine, headless at 60 fps (``gance-live run`` with the network, 2 workers per
   GPU): frames shown per second, drops, skips, hop-to-swap latency p50/p95;
6. the compositor through EGL: a 1024² frame uploaded and drawn bicubic onto 3840x2160.

The network is a randomly initialised config-f (1024 px, channel_base 32768), or with
``--small`` a 64 px one with the same layers (what the CPU self-test can afford); ``--small``
also scales the output of row 6 down. Figures are printed as a markdown table (for
docs/BENCHMARKS.md) and saved as JSON by ``benchmarks/report.py``.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Scale:
    resolution: int
    channel_base: int
    frames: int                  # timed frames per measurement
    engine_seconds: float
    engine_output: tuple[int, int]   # row 5's recording (x264 on the CPU)
    output: tuple[int, int]          # row 6's projector


FULL = Scale(1024, 32768, 200, 10.0, (1920, 1080), (3840, 2160))
SMALL = Scale(64, 2048, 8, 3.0, (320, 180), (640, 360))


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR in dB of two uint8 pictures (inf when equal)."""
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return math.inf if mse == 0 else 10 * math.log10(255.0 ** 2 / mse)


def seeded_ws(G, count: int) -> list[np.ndarray]:
    """``count`` W+ latents of ``G`` (on the CPU) from a fixed seed."""
    import torch

    z = torch.randn([count, G.z_dim], generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        return list(G.mapping(z, None).numpy())


def images_row(spec: str, device: str) -> list[tuple[str, str]]:
    """Row 1: the device's pictures against the CPU's (fp32), fp32 and fp16."""
    from live.synth import NetworkSet

    reference = NetworkSet([spec], device="cpu")
    ws = seeded_ws(reference.nets[0], 2)
    cpu = [reference.render_rgba(w, 0) for w in ws]
    rows = []
    for fp16 in (False, True):
        netset = NetworkSet([spec], device=device, fp16=fp16)
        if fp16 and not netset.fp16:
            rows.append(("PSNR fp16 vs CPU fp32", "n/a (fp16 runs on a GPU only)"))
            continue
        worst = min(psnr(netset.render_rgba(w, 0), c) for w, c in zip(ws, cpu))
        rows.append((f"PSNR {'fp16' if fp16 else 'fp32'} {device} vs CPU fp32",
                     f"{worst:.1f} dB (worst of {len(ws)})"))
    return rows


def rate(stats: dict[str, float]) -> str:
    return f"{stats['fps']:.1f} FPS, p50 {stats['p50_ms']:.2f} ms, p99 {stats['p99_ms']:.2f} ms"


def frame_path_rows(spec: str, device: str, frames: int) -> list[tuple[str, str]]:
    """Rows 2 and 3: the frame path with graphs on and off, then batches."""
    from live.synth import NetworkSet
    from live.synth.bench import bench_batch, bench_frame_path

    rows = []
    for graphs in (True, False):
        netset = NetworkSet([spec], device=device, cuda_graphs=graphs)
        precision = "fp16" if netset.fp16 else "fp32"
        if not netset.cuda:
            if graphs:
                rows.append((f"frame path batch 1, {precision}",
                             rate(bench_frame_path(netset, frames))))
            else:
                rows.append(("frame path, CUDA graph on vs off", "n/a (no CUDA)"))
            continue
        rows.append((f"frame path batch 1, {precision}, CUDA graph {'on' if graphs else 'off'}",
                     rate(bench_frame_path(netset, frames))))
    for batch in (1, 4, 8):
        stats = bench_batch(netset.nets[0], batch, max(2, frames // batch), netset.device,
                            force_fp32=not netset.fp16)
        rows.append((f"synthesis batch {batch}", rate(stats)))
    return rows


def _worker_frames(spec: str, device: str, frames: int, start, results) -> None:
    import torch

    from live.synth import NetworkSet
    from live.synth.bench import bench_frame_path

    torch.set_num_threads(1)
    netset = NetworkSet([spec], device=device)
    start.wait()
    results.put(bench_frame_path(netset, frames)["fps"])


def workers_rows(spec: str, device: str, frames: int) -> list[tuple[str, str]]:
    """Row 4: 1, 2 and 3 worker processes on the device at once (spawned, as the show)."""
    ctx = mp.get_context("spawn")
    rows = []
    for count in (1, 2, 3):
        start, results = ctx.Barrier(count), ctx.Queue()
        workers = [ctx.Process(target=_worker_frames, args=(spec, device, frames, start,
                                                            results)) for _ in range(count)]
        for worker in workers:
            worker.start()
        rates = [results.get(timeout=600) for _ in workers]
        for worker in workers:
            worker.join()
        rows.append((f"{count} worker(s) on one {device}",
                     f"{sum(rates):.1f} FPS in all ({', '.join(f'{r:.1f}' for r in rates)})"))
    return rows


def engine_row(spec: str, device: str, seconds: float, output: tuple[int, int],
               folder: Path) -> list[tuple[str, str]]:
    """Row 5: the whole engine headless at 60 fps on the network."""
    from live.contracts.frames import frame_budget
    from tests.support.showrun import ShowFailed, run_headless

    workers = ["engine.workers_per_gpu=2"] if device.startswith("cuda") else \
        ["engine.workers=2"]
    sets = ["show.fps=60", f'networks.files=["{spec}"]', f'engine.device="{device[:4]}"',
            f"output.width={output[0]}", f"output.height={output[1]}", *workers]
    try:
        show = run_headless(sets, seconds, folder, name="engine")
    except ShowFailed as failed:
        return [("engine headless 60 fps", f"failed: {str(failed)[-300:]}")]
    totals = [b["total"] * 1000 for row in show.rows if (b := frame_budget(row)) is not None]
    latency = (f"latency p50 {np.percentile(totals, 50):.0f} / p95 "
               f"{np.percentile(totals, 95):.0f} ms" if totals else "no latency")
    return [("engine headless 60 fps, 2 workers per GPU" if device.startswith("cuda")
             else "engine headless 60 fps, 2 CPU workers",
             f"{show.shown / seconds:.1f} fps shown, {show.dropped} dropped, "
             f"{show.skipped} skipped, {latency}")]


def compositor_row(resolution: int, output: tuple[int, int]) -> list[tuple[str, str]]:
    """Row 6: upload + bicubic draw through EGL (whatever GPU EGL finds)."""
    from benchmarks.bench_compositor import milliseconds
    from live.compositor.context import headless_context, offscreen_target
    from live.compositor.look import Look
    from live.compositor.placement import Placement
    from live.compositor.renderer import FrameRenderer

    ctx = headless_context()
    renderer = FrameRenderer(ctx)
    target = offscreen_target(ctx, *output)
    frame = np.random.default_rng(0).integers(0, 256, (resolution, resolution, 4), np.uint8)
    look = Look(method="bicubic16", placement=Placement("fit"))

    def upload_and_draw() -> None:
        renderer.upload(frame)
        renderer.draw(target, look)
        ctx.finish()

    ms = milliseconds(upload_and_draw, 20)
    renderer_name = ctx.info.get("GL_RENDERER", "?")
    target.release()
    renderer.release()
    ctx.release()
    return [(f"EGL bicubic {resolution}² -> {output[0]}x{output[1]} ({renderer_name})",
             f"{ms:.2f} ms upload + draw")]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", help="cuda, cuda:N or cpu")
    parser.add_argument("--small", action="store_true", help="a 64 px network (self-test)")
    args = parser.parse_args(argv)
    import torch

    from benchmarks.report import report
    from live.synth.bench import synthetic_generator
    from live.synth.cache import save_safetensors

    if args.device.startswith("cuda") and not torch.cuda.is_available():
        raise SystemExit("gpu_check: no CUDA device is visible (--device cpu --small to "
                         "self-test)")
    scale = SMALL if args.small else FULL
    if args.device == "cpu":
        torch.set_num_threads(1)   # as a CPU worker runs (and a shared machine stays usable)
    started = time.monotonic()
    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as folder:
        spec = str(save_safetensors(synthetic_generator(scale.resolution, scale.channel_base),
                                    Path(folder) / "config-f.safetensors"))
        device = args.device if args.device != "cuda" else "cuda:0"
        for part in (lambda: images_row(spec, device),
                     lambda: frame_path_rows(spec, device, scale.frames),
                     lambda: workers_rows(spec, device, scale.frames),
                     lambda: engine_row(spec, device, scale.engine_seconds,
                                        scale.engine_output, Path(folder)),
                     lambda: compositor_row(scale.resolution, scale.output)):
            rows += part()
            print(f"  ... {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    gpu = torch.cuda.get_device_name(0) if device.startswith("cuda") else "none (CPU)"
    title = (f"gpu_check: {scale.resolution} px network (channel_base {scale.channel_base}), "
             f"device {device}, GPU {gpu}, {time.monotonic() - started:.0f} s")
    print(f"\n{title}\n\n| check | result |\n| --- | --- |")
    for name, value in rows:
        print(f"| {name} | {value} |")
    report("gpu_check_small" if args.small else "gpu_check",
           {"title": title, **{name: value for name, value in rows}})


if __name__ == "__main__":
    main()
