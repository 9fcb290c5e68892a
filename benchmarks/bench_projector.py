"""Projector benchmarks (issue 17): seconds per frame on the CPU, steps to 30 dB.

    .venv/bin/python -m benchmarks.bench_projector            # everything
    .venv/bin/python -m benchmarks.bench_projector --quick    # fewer timed steps

Figures:
- ``cpu_{64,256}_s_per_step``: one optimisation step of one frame (synthesis forward and
  backward, pixel + MS-SSIM distance, Adam) for a synthetic network of realistic width
  (channel_base 16384, as ``bench_synth``'s 256 px one), median over timed steps on all CPU
  threads (``..._cpu_s_per_step``: the CPU time of all threads, which a loaded machine
  inflates less); ``cpu_{64,256}_s_per_frame_{100,1000}``: that times 100 and 1000 (StyleGAN2's
  default) steps.
- ``steps_to_30db_{cold,warm}``: the smallest ``--steps`` (of 5, 10, 20, 40, 80, 160) at
  which frames 1-3 of a 4-frame moving clip (the test network, 64 px) project back at 30 dB
  or more, each starting from the mean W (cold) or from the previous frame's result (warm;
  frame 0 is projected first with 100 steps); ``psnr_{cold,warm}_<steps>``: the worst of
  those frames at each budget.
GPU figures need a GPU (``--device cuda`` batches); none on the machine these were taken on.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from benchmarks.report import report
from live.projector.distance import PixelSSIMDistance
from live.projector.optimise import ProjectorSettings, project_batch, to_rgb8, w_statistics
from live.synth.bench import synthetic_generator
from tests.projector.conftest import moving_latents, projectable_generator

CHANNEL_BASE = 16384
BUDGETS = (5, 10, 20, 40, 80, 160)
CLIP_FRAMES = 4
TARGET_DB = 30.0


def seconds_per_step(resolution: int, steps: int) -> tuple[float, float]:
    G = synthetic_generator(resolution, CHANNEL_BASE)
    with torch.no_grad():
        target = to_rgb8(G.synthesis(G.mapping(torch.randn(1, G.z_dim))))
    start = G.mapping.w_avg.expand(1, G.num_ws, -1).numpy()
    stamps: list[tuple[float, float]] = []
    project_batch(G, target, start, [0], ProjectorSettings(steps=steps + 2),
                  PixelSSIMDistance(), 1.0, on_step=lambda step, images: stamps.append(
                      (time.perf_counter(), time.process_time())))
    wall, cpu = np.diff(np.asarray(stamps), axis=0)[1:].T  # the first step warms up
    return float(np.median(wall)), float(np.median(cpu))


FIRST_FRAME_STEPS = 100


def clip_psnr(steps: int, warm: bool) -> float:
    """The worst PSNR of frames 1.. of the clip projected with ``steps`` per frame."""
    G = projectable_generator()
    with torch.no_grad():
        targets = to_rgb8(G.synthesis(moving_latents(G, CLIP_FRAMES)))
    _, w_std = w_statistics(G)
    mean = G.mapping.w_avg.expand(1, G.num_ws, -1).numpy()
    start = project_batch(G, targets[:1], mean, [0], ProjectorSettings(steps=FIRST_FRAME_STEPS),
                          PixelSSIMDistance(), w_std).latents
    worst = np.inf
    for frame in range(1, CLIP_FRAMES):
        result = project_batch(G, targets[frame:frame + 1], start if warm else mean, [frame],
                               ProjectorSettings(steps=steps), PixelSSIMDistance(), w_std,
                               warm=warm)
        worst = min(worst, float(result.psnr[0]))
        start = result.latents
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer timed steps")
    args = parser.parse_args()
    figures: dict[str, object] = {"cpu_threads": torch.get_num_threads()}
    for resolution, steps in ((64, 20), (256, 6)):
        per_step, cpu = seconds_per_step(resolution, steps // 2 if args.quick else steps)
        figures[f"cpu_{resolution}_s_per_step"] = per_step
        figures[f"cpu_{resolution}_cpu_s_per_step"] = cpu   # all threads' CPU time
        figures[f"cpu_{resolution}_s_per_frame_100"] = per_step * 100
        figures[f"cpu_{resolution}_s_per_frame_1000"] = per_step * 1000
    for mode in ("cold", "warm"):
        reached = None
        for steps in BUDGETS:
            worst = clip_psnr(steps, warm=mode == "warm")
            figures[f"psnr_{mode}_{steps}"] = worst
            if worst >= TARGET_DB:
                reached = steps
                break
        figures[f"steps_to_30db_{mode}"] = reached if reached is not None else f">{BUDGETS[-1]}"
    figures["gpu"] = "not measured: no GPU"
    report("projector", figures)


if __name__ == "__main__":
    main()
