"""Audio figures: feature cost per hop, feature-ring cost, capture-to-shared-memory latency.

    .venv/bin/python -m benchmarks.bench_audio

Targets (issue 4): features of a 256-sample hop in 0.3 ms or less; capture to shared memory
within one hop + 2 ms. The latency part needs a capture device with a signal on it: it
captures from the ALSA ``pulse`` device (start PulseAudio with a null sink and play into it,
or point PULSE_SERVER at one); without one it reports the feature figures only.
"""

from __future__ import annotations

import multiprocessing
import time

import numpy as np

from benchmarks.report import report
from live.audio.config import AudioConfig
from live.audio.features import FeatureExtractor
from live.contracts.features import FeatureFrame
from live.contracts.feature_ring import FeatureRing

RATE = 48000
HOPS_TIMED = 4000
LATENCY_SECONDS = 5.0


def feature_cost_ms(hop: int, fft_size: int) -> float:
    """Median milliseconds per process() call on noise with a beat (tempo on)."""
    rng = np.random.default_rng(0)
    extractor = FeatureExtractor(RATE, hop, fft_size)
    blocks = (0.2 * rng.standard_normal((HOPS_TIMED, hop))).astype(np.float32)
    blocks[::int(0.5 * RATE / hop)] *= 4  # a pulse every half second keeps tempo busy
    costs = np.empty(HOPS_TIMED)
    for i, block in enumerate(blocks):
        start = time.perf_counter()
        extractor.process(block, time=i * hop / RATE)
        costs[i] = time.perf_counter() - start
    return float(np.median(costs) * 1e3), float(np.percentile(costs, 99) * 1e3)


def ring_cost_us() -> tuple[float, float]:
    """Microseconds per write and per latest() on a 256-frame ring."""
    frame = FeatureFrame()
    with FeatureRing.create() as ring:
        start = time.perf_counter()
        for _ in range(10000):
            ring.write(frame)
        write = (time.perf_counter() - start) / 10000 * 1e6
        start = time.perf_counter()
        for _ in range(10000):
            ring.latest()
        read = (time.perf_counter() - start) / 10000 * 1e6
    return write, read


def capture_latency_ms(backend: str) -> dict[str, float] | None:
    """Published minus the ADC time of each hop's last sample, from a real audio process."""
    from live.audio.process import audio_main

    ctx = multiprocessing.get_context("spawn")
    cfg = AudioConfig(source="live", backend=backend, input_device="pulse", block=256, hop=256,
                      fft_size=1024)
    with FeatureRing.create() as ring:
        status, stop = ctx.Queue(), ctx.Event()
        process = ctx.Process(target=audio_main, args=(cfg, ".", ring.name, status, stop))
        process.start()
        news = status.get(timeout=60)
        if news.status != "ready":
            stop.set()
            process.join(5)
            print(f"no capture latency with {backend}: {news.detail}")
            return None
        time.sleep(LATENCY_SECONDS)
        frames = ring.recent(ring.capacity - 1)
        stop.set()
        process.join(5)
    latency = np.array([f.published - f.time for f in frames]) * 1e3
    return {"median_ms": float(np.median(latency)), "p95_ms": float(np.percentile(latency, 95)),
            "hop_ms": 1e3 * cfg.hop / RATE}


def main() -> None:
    figures: dict[str, float | str] = {}
    for hop, fft_size in ((256, 1024), (256, 2048), (512, 2048)):
        median, p99 = feature_cost_ms(hop, fft_size)
        figures[f"features_hop{hop}_fft{fft_size}_median_ms"] = median
        figures[f"features_hop{hop}_fft{fft_size}_p99_ms"] = p99
    write, read = ring_cost_us()
    figures["ring_write_us"], figures["ring_latest_us"] = write, read
    for backend in ("sounddevice", "pyaudio"):
        result = capture_latency_ms(backend)
        for key, value in (result or {}).items():
            figures[f"capture_to_shm_{backend}_{key}"] = value
    report("audio", figures)


if __name__ == "__main__":
    main()
