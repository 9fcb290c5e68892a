"""The GPUs of the show box through NVML: what each one does and how hot it runs.

:func:`read_sample` asks NVML for one GPU's figures and returns a :class:`GpuSample`; a
figure the card does not report (a passively cooled Tesla has no fan) is None. :class:`Nvml`
opens the library once; without an NVIDIA driver (``pynvml.nvmlInit()`` raises
``NVMLError_LibraryNotFound``) it has no GPUs and says why in :attr:`Nvml.missing`: a laptop
rehearsal is not an error.
"""

from __future__ import annotations

import json
import math
from dataclasses import MISSING, asdict, dataclass, fields
from typing import Any, Callable

import pynvml

# NVML's clock-throttle reason bits that mean the card is slowed by heat or power, not by
# idling or an application clock setting.
THROTTLE_REASONS = {
    pynvml.nvmlClocksThrottleReasonSwPowerCap: "power cap",
    pynvml.nvmlClocksThrottleReasonHwSlowdown: "hw slowdown",
    pynvml.nvmlClocksThrottleReasonSwThermalSlowdown: "sw thermal",
    pynvml.nvmlClocksThrottleReasonHwThermalSlowdown: "hw thermal",
    pynvml.nvmlClocksThrottleReasonHwPowerBrakeSlowdown: "power brake",
}


@dataclass(frozen=True)
class GpuSample:
    """One GPU's figures at one moment (monotonic ``time``); None where the card has none."""

    index: int
    name: str
    time: float
    temperature_c: float | None = None
    slowdown_c: float | None = None     # the card slows its clocks from here
    shutdown_c: float | None = None     # ... and switches off here
    sm_clock_mhz: int | None = None
    memory_clock_mhz: int | None = None
    power_w: float | None = None
    power_limit_w: float | None = None
    utilisation_pct: int | None = None
    memory_used_mib: int | None = None
    memory_total_mib: int | None = None
    throttle_reasons: int = 0           # NVML's bit mask (only THROTTLE_REASONS matter here)
    fan_pct: int | None = None

    @property
    def throttling(self) -> list[str]:
        """The heat or power reasons the card is slowed for now (empty when it is not)."""
        return [name for bit, name in THROTTLE_REASONS.items() if self.throttle_reasons & bit]

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: Any) -> GpuSample:
        """A sample from its JSON object; ValueError naming the first field that is wrong."""
        if not isinstance(data, dict):
            raise ValueError(f"expected a JSON object, got {data!r:.40}")
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(data.keys() - known.keys())
        if unknown:
            raise ValueError(f"unknown field '{unknown[0]}'")
        for name, declared in known.items():
            if name not in data:
                if declared.default is MISSING:
                    raise ValueError(f"'{name}' is missing")
                continue
            value = data[name]
            if name == "name":
                ok = isinstance(value, str)
            else:
                ok = (value is None and declared.default is None) or \
                    (isinstance(value, (int, float)) and not isinstance(value, bool)
                     and math.isfinite(value))
            if not ok:
                raise ValueError(f"'{name}' is {value!r:.40}")
        return cls(**data)


def _figure(read: Callable[[], Any]) -> Any:
    """One NVML query; None where the card does not support it (or stops answering)."""
    try:
        return read()
    except pynvml.NVMLError:
        return None


def read_sample(handle: Any, index: int, now: float) -> GpuSample:
    """Every figure NVML gives for one GPU (units converted: mW -> W, bytes -> MiB)."""
    nv = pynvml
    name = _figure(lambda: nv.nvmlDeviceGetName(handle)) or "?"
    memory = _figure(lambda: nv.nvmlDeviceGetMemoryInfo(handle))
    utilisation = _figure(lambda: nv.nvmlDeviceGetUtilizationRates(handle))
    power_mw = _figure(lambda: nv.nvmlDeviceGetPowerUsage(handle))
    limit_mw = _figure(lambda: nv.nvmlDeviceGetEnforcedPowerLimit(handle))
    return GpuSample(
        index=index, name=name.decode() if isinstance(name, bytes) else name, time=now,
        temperature_c=_figure(lambda: nv.nvmlDeviceGetTemperature(
            handle, nv.NVML_TEMPERATURE_GPU)),
        slowdown_c=_figure(lambda: nv.nvmlDeviceGetTemperatureThreshold(
            handle, nv.NVML_TEMPERATURE_THRESHOLD_SLOWDOWN)),
        shutdown_c=_figure(lambda: nv.nvmlDeviceGetTemperatureThreshold(
            handle, nv.NVML_TEMPERATURE_THRESHOLD_SHUTDOWN)),
        sm_clock_mhz=_figure(lambda: nv.nvmlDeviceGetClockInfo(handle, nv.NVML_CLOCK_SM)),
        memory_clock_mhz=_figure(lambda: nv.nvmlDeviceGetClockInfo(handle, nv.NVML_CLOCK_MEM)),
        power_w=None if power_mw is None else power_mw / 1000.0,
        power_limit_w=None if limit_mw is None else limit_mw / 1000.0,
        utilisation_pct=None if utilisation is None else int(utilisation.gpu),
        memory_used_mib=None if memory is None else int(memory.used) // 2**20,
        memory_total_mib=None if memory is None else int(memory.total) // 2**20,
        throttle_reasons=_figure(lambda: nv.nvmlDeviceGetCurrentClocksThrottleReasons(handle))
        or 0,
        fan_pct=_figure(lambda: nv.nvmlDeviceGetFanSpeed(handle)))


class Nvml:
    """NVIDIA's management library, opened once; no GPUs (and :attr:`missing` says why)
    without a driver."""

    def __init__(self) -> None:
        self.handles: list[Any] = []
        self.missing = ""
        try:
            pynvml.nvmlInit()
        except pynvml.NVMLError as exc:
            self.missing = f"no NVIDIA library: {exc}"
            return
        try:
            self.handles = [pynvml.nvmlDeviceGetHandleByIndex(i)
                            for i in range(pynvml.nvmlDeviceGetCount())]
        except pynvml.NVMLError as exc:
            self.missing = f"NVML lists no GPUs: {exc}"
        if not self.handles and not self.missing:
            self.missing = "NVML lists no GPUs"

    def sample(self, now: float) -> list[GpuSample]:
        return [read_sample(handle, index, now) for index, handle in enumerate(self.handles)]

    def close(self) -> None:
        if not self.missing:
            try:
                pynvml.nvmlShutdown()
            except pynvml.NVMLError:
                pass
        self.handles = []


def describe(sample: GpuSample) -> str:
    """One line per GPU for the HUD, ``gance-live devices`` and the log; a figure the card
    does not report is left out."""
    temperature = f"GPU{sample.index} " + (
        "--" if sample.temperature_c is None else f"{sample.temperature_c:.0f}C")
    if sample.slowdown_c is not None:
        temperature += f"/{sample.slowdown_c:.0f}C"
    parts = [temperature]
    if sample.sm_clock_mhz is not None:
        parts.append(f"{sample.sm_clock_mhz} MHz")
    if sample.power_w is not None:
        limit = "" if sample.power_limit_w is None else f"/{sample.power_limit_w:.0f}"
        parts.append(f"{sample.power_w:.0f}{limit} W")
    if sample.utilisation_pct is not None:
        parts.append(f"util {sample.utilisation_pct}%")
    if sample.memory_used_mib is not None:
        total = "" if sample.memory_total_mib is None else f"/{sample.memory_total_mib}"
        parts.append(f"mem {sample.memory_used_mib}{total} MiB")
    if sample.fan_pct is not None:
        parts.append(f"fan {sample.fan_pct}%")
    if sample.throttling:
        parts.append("THROTTLED: " + ", ".join(sample.throttling))
    return "  ".join(parts)
