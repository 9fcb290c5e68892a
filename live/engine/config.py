"""``[engine]``: processes, frame slots and the scheduler."""

from __future__ import annotations

from dataclasses import dataclass

from live.contracts.schema import param


@dataclass
class EngineConfig:
    workers: int = param(0, "synthesis worker processes; 0 = one per visible CUDA device, "
                            "or 2 CPU workers when there is no GPU", range=(0, 64))
    workers_per_gpu: int = param(1, "worker processes sharing each GPU", range=(1, 8))
    device: str = param("auto", "where workers synthesise", choices=("auto", "cuda", "cpu"))
    threads_per_worker: int = param(1, "torch CPU threads in each CPU worker", range=(1, 64))
    slots: int = param(8, "shared-memory frame slots (frames in flight + frames on screen)",
                       range=(3, 64))
    max_latency_frames: int = param(3, "a frame not ready this many frame periods after its "
                                       "due time is dropped", range=(1, 30))
    restart_workers: bool = param(True, "restart a worker process that dies")
    dispatch_margin_ms: float = param(4.0, "live: a frame's job is sent this long before its "
                                           "worker's predicted synthesis time would end at its "
                                           "due time (covers the trip from slot to screen)",
                                      range=(0.0, 100.0))
    # Stage-rate proofs without a GPU, and the latency test pattern.
    synthesis: str = param("network", "what workers draw: the show's networks, or "
                                      "\"synthetic\" frames that take synthetic_ms each "
                                      "(a stand-in for a GPU of that speed: tests, benchmarks)",
                           choices=("network", "synthetic"))
    synthetic_ms: list[float] = param([16.0], "synthetic: milliseconds per frame, one per "
                                              "worker (repeated over the workers)",
                                      range=(0.0, 10000.0))
    synthetic_jitter_ms: float = param(1.0, "synthetic: frames take up to this much longer or "
                                            "shorter, at random", range=(0.0, 1000.0))
    synthetic_size: int = param(1024, "synthetic: frame width and height in pixels",
                                range=(16, 4096))
    test_pattern: str = param("none", "\"onset\": every frame bound after a detected onset "
                                      "is full white (measures onset to photon)",
                              choices=("none", "onset"))
