"""Conductor cost of the instrument: Instrument.frame per frame, 18 x 512 W+ (1024 px networks).

Target: 0.5 ms or less per frame for every source, audio blend and network selection included.
Also the show-start cost of opening (reading and validating) a GANce projection file.
Run: ``.venv/bin/python -m benchmarks.bench_latents``
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.report import report
from live.contracts.features import FeatureFrame
from live.contracts.state import ShowState
from live.latents.config import KeyframesConfig, LatentsConfig, ProjectionConfig, SelectionConfig
from live.latents.instrument import Instrument
from live.latents.projection import ProjectionFile

NUM_WS = 18
FPS = 30
FRAMES = 3000          # 100 s of show per source
PROJECTION_LATENTS = 300
TARGET_MS = 0.5


MAPPING_WEIGHTS = np.random.default_rng(0).standard_normal((512, 512)).astype(np.float32) / 22.6


def mapping(z: np.ndarray) -> np.ndarray:
    """A numpy stand-in for the mapping network (the neighbours walk maps once per step; a real
    mapping network costs more there, and only there)."""
    return np.tanh(z @ MAPPING_WEIGHTS).astype(np.float32)


def features(count: int) -> list[FeatureFrame]:
    """Audio-like features: random spectra, a pulsing RMS, onsets, beats and novelty peaks."""
    rng = np.random.default_rng(1)
    return [FeatureFrame(spectrum=rng.random(512).astype(np.float32),
                         rms=0.2 + 0.2 * np.sin(k / 7), novelty=float(rng.random() ** 4),
                         onset_event=k % 11 == 0, beat_event=k % 15 == 0)
            for k in range(count)]


def per_frame_ms(instrument: Instrument, frames: list[FeatureFrame]) -> tuple[float, float]:
    """(median, 99th percentile) milliseconds of Instrument.frame."""
    state = ShowState(gain=0.5, truncation_psi=0.7, speed=1.0)
    costs = np.empty(len(frames))
    for k, frame in enumerate(frames):
        start = time.perf_counter()
        instrument.frame(k, frame, state)
        costs[k] = time.perf_counter() - start
    return float(np.median(costs) * 1e3), float(np.percentile(costs, 99) * 1e3)


def main() -> None:
    frames = features(FRAMES)
    w_avg = np.zeros(512, np.float32)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        latents = np.repeat(np.random.default_rng(2).standard_normal(
            (PROJECTION_LATENTS, 1, 512)).astype(np.float32), NUM_WS, axis=1)
        ProjectionFile.write(root / "p.hdf5", latents, fps=15.0)
        start = time.perf_counter()
        ProjectionFile.open(root / "p.hdf5")
        open_seconds = time.perf_counter() - start
        sources = {
            "noise_loop": LatentsConfig(),
            "noise_loop_linear_loudness": LatentsConfig(
                interpolation="linear", selection=SelectionConfig(mode="loudness")),
            "projection": LatentsConfig(source="projection",
                                        projection=ProjectionConfig(file="p.hdf5")),
            "projection_interpolated_shuffle": LatentsConfig(
                source="projection", projection=ProjectionConfig(file="p.hdf5", interpolate=True),
                selection=SelectionConfig(mode="shuffle")),
            "keyframes": LatentsConfig(source="keyframes", keyframes=KeyframesConfig(
                points=[f"seed:{s}" for s in range(6)])),
            "novelty_walk": LatentsConfig(source="novelty_walk", rms_roll=40.0),
            "neighbours": LatentsConfig(source="neighbours"),
        }
        figures: dict[str, float | int | str] = {
            "num_ws": NUM_WS, "frames": FRAMES, "target_ms": TARGET_MS,
            "projection_open_s_per_1000_latents": open_seconds * 1000 / PROJECTION_LATENTS}
        for name, cfg in sources.items():
            instrument = Instrument(cfg, seed=0, fps=FPS, num_ws=NUM_WS, network_count=4,
                                    map_z=mapping, w_avg=w_avg, resolve=lambda p: root / p)
            median, p99 = per_frame_ms(instrument, frames)
            figures[f"{name}_median_ms"] = median
            figures[f"{name}_p99_ms"] = p99
    report("latents_frame_cost", figures)


if __name__ == "__main__":
    main()
