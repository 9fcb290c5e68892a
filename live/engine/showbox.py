"""The show box's watch, for the conductor: GPU telemetry into the thermal guard, the
guard's decision into the scheduler, the show's state into the cooler's hint, and all of it
into the HUD, the log and OSC state-out.

The sampler and the cooler link do their I/O in their own threads; :meth:`ShowBox.update`
only reads what they have, so nothing here slows the frame path.
"""

from __future__ import annotations

import logging
from typing import Any

from live.contracts.state import ShowState
from live.engine.scheduler import Scheduler
from live.hardware import protocol
from live.hardware.link import CoolerLink
from live.overlay.hud import warning
from live.telemetry.gpus import GpuSample, describe
from live.telemetry.guard import COOL, GuardDecision, ThermalGuard
from live.telemetry.sampler import TelemetrySampler

log = logging.getLogger(__name__)

OSC_PREFIX = "/live/gpu"
COOLER_PREFIX = "/live/cooler"


def worker_gpus(devices: list[str]) -> dict[int, int]:
    """Worker id -> GPU index for the workers on CUDA devices (``"cuda:1"`` -> 1)."""
    return {worker: int(device.partition(":")[2] or 0)
            for worker, device in enumerate(devices) if device.startswith("cuda")}


def cooler_hint(state: ShowState, show_time: float, starting_s: float) -> int:
    """What the fans should know: the show is starting (spin up ahead of the heat), or it is
    between songs (the screen is blacked out: quiet, below the ceiling), or neither."""
    if show_time < starting_s:
        return protocol.SHOW_STARTING
    return protocol.QUIET if state.blackout else protocol.NORMAL


class ShowBox:
    """Telemetry, guard, scheduler and cooler, joined. ``guard`` None: telemetry is only
    shown; ``cooler`` None: no cooler."""

    def __init__(self, sampler: TelemetrySampler, guard: ThermalGuard | None,
                 worker_gpus: dict[int, int], cooler: CoolerLink | None = None,
                 starting_s: float = 60.0) -> None:
        self.sampler, self.guard, self.worker_gpus = sampler, guard, worker_gpus
        self.cooler, self.starting_s = cooler, starting_s
        self.samples: list[GpuSample] = []
        self.decision: GuardDecision | None = None

    def update(self, now: float, scheduler: Scheduler, state: ShowState,
               show_time: float) -> None:
        if self.cooler is not None:
            self.cooler.set_hint(cooler_hint(state, show_time, self.starting_s))
        samples = self.sampler.latest()
        if not samples or samples is self.samples:
            return    # no telemetry, or nothing new since the last look (the sampler
                      # replaces the list)
        self.samples = samples
        if self.guard is None:
            return
        self.decision = self.guard.update(now, samples)
        for line in self.decision.news:
            log.warning("thermal guard: %s", line)
        scheduler.weights = {worker: self.decision.weights.get(gpu, 1.0)
                             for worker, gpu in self.worker_gpus.items()}
        scheduler.rate = self.decision.rate

    def hud_lines(self, fps: float) -> list[str]:
        """One line per GPU (amber when warm or throttling) and the guard's rate step."""
        states = self.decision.states if self.decision else {}
        lines = []
        for sample in self.samples:
            state = states.get(sample.index, COOL)
            line = describe(sample) + ("" if state == COOL else f"  [{state}]")
            lines.append(line if state == COOL else warning(line))
        if self.decision is not None and self.decision.rate < 1.0:
            lines.append(warning(f"thermal guard: drawing {self.decision.rate * fps:.1f} "
                                 f"of {fps} fps"))
        if self.cooler is not None:
            text, is_warning = self.cooler.describe()
            lines.append(warning(text) if is_warning else text)
        return lines

    def osc_messages(self) -> dict[str, Any]:
        """Each GPU's figures under ``/live/gpu/N/...`` and the guard's rate, for state-out."""
        messages: dict[str, Any] = {}
        states = self.decision.states if self.decision else {}
        for sample in self.samples:
            base = f"{OSC_PREFIX}/{sample.index}"
            for name in ("temperature_c", "slowdown_c", "sm_clock_mhz", "power_w",
                         "power_limit_w", "utilisation_pct", "memory_used_mib", "fan_pct"):
                value = getattr(sample, name)
                if value is not None:
                    messages[f"{base}/{name}"] = float(value)
            messages[f"{base}/state"] = states.get(sample.index, COOL)
            if self.decision is not None:
                messages[f"{base}/share"] = float(self.decision.weights.get(sample.index, 1.0))
        if self.decision is not None:
            messages[f"{OSC_PREFIX}/rate"] = float(self.decision.rate)
        if self.cooler is not None:
            messages.update(self._cooler_messages(self.cooler))
        return messages

    @staticmethod
    def _cooler_messages(cooler: CoolerLink) -> dict[str, Any]:
        """``/live/cooler/connected``, and while it is, its hint, flags and each channel."""
        status = cooler.status()
        messages: dict[str, Any] = {f"{COOLER_PREFIX}/connected": int(status is not None)}
        if status is not None:
            messages[f"{COOLER_PREFIX}/hint"] = protocol.HINT_NAMES[status.hint]
            messages[f"{COOLER_PREFIX}/flags"] = ", ".join(protocol.flag_names(status.flags))
            for index, (celsius, duty, rpm) in enumerate(status.channels):
                if celsius is not None:
                    messages[f"{COOLER_PREFIX}/{index}/temperature_c"] = float(celsius)
                messages[f"{COOLER_PREFIX}/{index}/duty"] = float(duty)
                messages[f"{COOLER_PREFIX}/{index}/rpm"] = float(rpm)
        return messages
