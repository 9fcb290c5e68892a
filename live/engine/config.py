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
