"""Semantic directions and the instrument's moves (issue 11).

- Show start: the PCA directions of one 1024 config-f network on the CPU (10k z through its
  mapping, the eigen-decomposition), the mapping's fingerprint (the cache key), and reading
  the cache back (what every later show pays).
- Per frame: Instrument.frame with every audio-to-picture and latent parameter played (band
  gains, blend depth, onset punch, beat moves, eight directions, style mix) against at rest.

Run: ``.venv/bin/python -m benchmarks.bench_directions``
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from benchmarks.bench_latents import features, mapping
from benchmarks.report import report
from live.contracts.state import ShowState
from live.engine.show import mapping_of
from live.latents.config import LatentsConfig
from live.latents.directions import cached_directions, fingerprint, principal_directions
from live.latents.instrument import Instrument
from live.synth.bench import synthetic_generator

FRAMES = 3000
NUM_WS = 18
FPS = 30
REPEATS = 3


def seconds_of(call) -> tuple[float, float]:
    """The fastest of REPEATS calls: (wall seconds, CPU seconds of every thread). On a shared
    machine the CPU seconds say more: they do not count the time others held the cores."""
    wall = cpu = float("inf")
    for _ in range(REPEATS):
        start, start_cpu = time.perf_counter(), time.process_time()
        call()
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    return wall, cpu


def per_frame_ms(state: ShowState) -> tuple[float, float]:
    """(median, 99th percentile) ms of Instrument.frame over FRAMES frames, a beat every 15."""
    instrument = Instrument(LatentsConfig(cues=[0.0, 8.0]), seed=0, fps=FPS, num_ws=NUM_WS,
                            network_count=2, map_z=mapping, w_avg=np.zeros(512, np.float32),
                            resolve=Path)
    costs = np.empty(FRAMES)
    for k, frame in enumerate(features(FRAMES)):
        start = time.perf_counter()
        instrument.frame(k, frame, state, beats=int(k % 15 == 0))
        costs[k] = time.perf_counter() - start
    return float(np.median(costs) * 1e3), float(np.percentile(costs, 99) * 1e3)


def main() -> None:
    generator = synthetic_generator(1024, 32768)   # config-f: 18 W+ rows, 8-layer mapping
    map_z = mapping_of(generator)
    weights = [t.detach().numpy() for t in generator.mapping.state_dict().values()]
    pca_s, pca_cpu_s = seconds_of(lambda: principal_directions(map_z))
    key_s, _ = seconds_of(lambda: fingerprint(weights))
    with tempfile.TemporaryDirectory() as folder:
        cached_directions(None, "bench", Path(folder), map_z)
        read_s, _ = seconds_of(lambda: cached_directions(None, "bench", Path(folder), map_z))
    rest_median, rest_p99 = per_frame_ms(ShowState(gain=0.5))
    played = ShowState(gain=0.5, low_gain=0.4, mid_gain=1.6, high_gain=1.2, blend_depth=8,
                       onset_push=2.0, onset_decay=0.2, beat_every=4, beat_move=0,
                       mix=0.7, mix_row=8,
                       **{f"direction_{n}": 0.3 * n * (-1) ** n for n in range(1, 9)})
    played_median, played_p99 = per_frame_ms(played)
    report("directions", {
        "pca_directions_config_f_s": pca_s,
        "pca_directions_config_f_cpu_time_s": pca_cpu_s,
        "mapping_fingerprint_s": key_s,
        "cached_directions_read_ms": read_s * 1e3,
        "torch_threads": torch.get_num_threads(),
        "frame_at_rest_median_ms": rest_median, "frame_at_rest_p99_ms": rest_p99,
        "frame_all_moves_median_ms": played_median, "frame_all_moves_p99_ms": played_p99,
    })


if __name__ == "__main__":
    main()
