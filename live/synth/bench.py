"""Measuring synthesis speed: frames per second and latency percentiles of a network.

Two paths are timed. The *frame path* is what a worker does per frame: one W+ latent in, RGBA8
pixels in a host buffer out (:meth:`NetworkSet.render_rgba`, with the GPU conversion, pinned
copy and CUDA graph where there is a GPU). The *batch path* times ``G.synthesis`` alone at a
batch size, for offline rendering. Used by ``gance-live bench`` and ``benchmarks/bench_synth``.
"""

from __future__ import annotations

import math
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from live.synth.cache import save_safetensors
from live.synth.netset import NetworkSet
from live.synth.networks import Generator, build_generator, randomize_

WARMUP_CALLS = 5       # untimed calls first: allocator, cuDNN / oneDNN algorithm choice, graphs
SYNTHETIC_SEED = 0     # seed of synthetic benchmark networks


def synthetic_generator(resolution: int, channel_base: int, channel_max: int = 512,
                        num_fp16_res: int = 0, conv_clamp: float | None = None) -> Generator:
    """A randomly initialised StyleGAN2 of the given size (config-f is 1024 / 32768)."""
    G = build_generator(dict(z_dim=512, c_dim=0, w_dim=512, img_resolution=resolution,
                             img_channels=3,
                             synthesis_kwargs=dict(channel_base=channel_base,
                                                   channel_max=channel_max,
                                                   num_fp16_res=num_fp16_res,
                                                   conv_clamp=conv_clamp)))
    return randomize_(G, SYNTHETIC_SEED)


def latency_stats(seconds: list[float], images_per_call: int) -> dict[str, float]:
    """FPS (images per second) and p50 / p99 / mean latency per call in milliseconds."""
    assert seconds, "no timings"
    ms = np.asarray(seconds) * 1000.0
    return {"fps": images_per_call * len(seconds) / float(np.sum(seconds)),
            "p50_ms": float(np.percentile(ms, 50)), "p99_ms": float(np.percentile(ms, 99)),
            "mean_ms": float(ms.mean())}


def _time_calls(call: Callable[[], Any], calls: int, sync: Callable[[], None]) -> list[float]:
    for _ in range(WARMUP_CALLS):
        call()
    sync()
    seconds = []
    for _ in range(calls):
        start = time.perf_counter()
        call()
        sync()
        seconds.append(time.perf_counter() - start)
    return seconds


def _sync_for(device: torch.device) -> Callable[[], None]:
    if device.type == "cuda":
        return lambda: torch.cuda.synchronize(device)
    return lambda: None


def bench_frame_path(netset: NetworkSet, frames: int, seed: int = 0) -> dict[str, float]:
    """Batch-1 frames through ``render_rgba`` into a reused host frame."""
    G = netset.nets[0]
    z = torch.randn([1, G.z_dim], generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        ws = G.mapping(z.to(netset.device))[0].cpu().numpy()
    out = np.empty((netset.img_resolution, netset.img_resolution, 4), np.uint8)
    seconds = _time_calls(lambda: netset.render_rgba(ws, 0, out=out), frames,
                          _sync_for(netset.device))
    return latency_stats(seconds, 1)


@torch.no_grad()
def bench_batch(G: Generator, batch: int, calls: int, device: torch.device,
                force_fp32: bool) -> dict[str, float]:
    """``G.synthesis`` at ``batch`` images per call (eager, no conversion)."""
    z = torch.randn([batch, G.z_dim], generator=torch.Generator().manual_seed(1))
    ws = G.mapping(z.to(device))
    seconds = _time_calls(lambda: G.synthesis(ws, force_fp32=force_fp32), calls,
                          _sync_for(device))
    return latency_stats(seconds, batch)


@torch.no_grad()
def fp16_psnr(G: Generator, device: torch.device, samples: int = 8) -> float:
    """PSNR (dB, on the 8-bit scale) of fp16 images against fp32 ones for seeded W."""
    z = torch.randn([samples, G.z_dim], generator=torch.Generator().manual_seed(2))
    ws = G.mapping(z.to(device))
    full = G.synthesis(ws, force_fp32=True)
    half = G.synthesis(ws, force_fp32=False)
    mse = ((half - full) * 127.5).square().mean().item()
    return math.inf if mse == 0 else 10 * math.log10(255.0 ** 2 / mse)


def run_bench(spec: str | None, device: str, batches: list[int], frames: int, fp16: bool,
              resolution: int = 256, channel_base: int = 16384,
              channel_max: int = 512) -> dict[str, Any]:
    """Everything ``gance-live bench`` reports, as a dict.

    ``spec`` names a network (path or demo:N); None benchmarks a synthetic network of
    ``resolution`` / ``channel_base`` / ``channel_max``.
    """
    with tempfile.TemporaryDirectory() as tmp:
        if spec is None:
            spec = str(save_safetensors(
                synthetic_generator(resolution, channel_base, channel_max),
                Path(tmp) / "synthetic.safetensors"))
            name = f"synthetic {resolution} px, channel_base {channel_base}"
        else:
            name = spec
        netset = NetworkSet([spec], device=device, fp16=fp16)
    G = netset.nets[0]
    result: dict[str, Any] = {
        "network": name, "device": str(netset.device), "fp16": netset.fp16,
        "resolution": G.img_resolution, "threads": torch.get_num_threads(),
        "parameters": sum(p.numel() for p in G.parameters()),
        "frame_path": bench_frame_path(netset, frames),
        "batches": {str(b): bench_batch(G, b, max(2, frames // b), netset.device,
                                        force_fp32=not netset.fp16) for b in batches},
    }
    if netset.cuda:
        result["gpu"] = torch.cuda.get_device_name(netset.device)
        if netset.fp16:
            result["fp16_psnr_db"] = fp16_psnr(G, netset.device)
    return result


def pick_device(device: str) -> str:
    """``auto`` -> ``cuda`` when a GPU is visible, else ``cpu``; a clear error for a CUDA
    device on a machine without one."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"bench: --device {device}, but no CUDA device is visible "
                         f"(use --device cpu)")
    return device
