"""``[telemetry]``: GPU telemetry and the thermal guard."""

from __future__ import annotations

from dataclasses import dataclass

from live.contracts.schema import param
from live.telemetry.guard import GuardSettings

_GUARD = GuardSettings()


@dataclass
class TelemetryConfig:
    guard: bool = param(True, "shift frames away from a GPU near its slowdown temperature or "
                              "throttling, and lower the show's fps in steps when every GPU is")
    margin_c: float = param(_GUARD.margin_c, "degrees below a GPU's slowdown threshold where "
                                             "the guard starts taking frames from it",
                            range=(1.0, 30.0))
    hysteresis_c: float = param(_GUARD.hysteresis_c, "degrees further down a GPU must cool "
                                                     "before it counts as cool again",
                                range=(0.0, 20.0))
    dwell_s: float = param(_GUARD.dwell_s, "seconds every GPU stays hot (or cool) before the "
                                           "show's fps steps down (or back up)",
                           range=(0.5, 600.0))
    replay: str = param("", "a telemetry log (written by run --telemetry-log) played instead "
                            "of NVML, to rehearse the guard on a machine without GPUs")

    def guard_settings(self) -> GuardSettings:
        return GuardSettings(margin_c=self.margin_c, hysteresis_c=self.hysteresis_c,
                             dwell_s=self.dwell_s)
