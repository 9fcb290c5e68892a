"""Recorded-telemetry traces for tests: the JSON lines `gance-live run --telemetry-log`
writes, made from a temperature function."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from live.telemetry.gpus import GpuSample

SLOWDOWN_C = 85.0


def write_trace(path: Path, seconds: float, temperatures: Callable[[float], list[float]],
                throttles: Callable[[float], list[int]] = lambda t: [],
                step: float = 0.5) -> Path:
    """One sample of every GPU each ``step`` seconds; ``temperatures(t)`` gives one per GPU."""
    lines = []
    for i in range(int(seconds / step) + 1):
        t = i * step
        reasons = throttles(t)
        for index, celsius in enumerate(temperatures(t)):
            lines.append(GpuSample(
                index, "Tesla K80", t, temperature_c=celsius, slowdown_c=SLOWDOWN_C,
                shutdown_c=93.0, sm_clock_mhz=875, memory_clock_mhz=2505, power_w=140.0,
                power_limit_w=149.0, utilisation_pct=99, memory_used_mib=3000,
                memory_total_mib=11441,
                throttle_reasons=reasons[index] if index < len(reasons) else 0).to_json())
    path.write_text("\n".join(lines) + "\n")
    return path
