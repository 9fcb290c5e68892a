"""The thermal guard: how much of the show each GPU should draw, and at what frame rate.

Pure policy, no I/O: :meth:`ThermalGuard.update` takes the newest :class:`GpuSample` of
every GPU and returns a :class:`GuardDecision`:

- each GPU's **share weight** in (0, 1]: 1 while it is cool; shrinking linearly from 1 to
  ``min_weight`` as it crosses the last ``margin_c`` degrees below its slowdown threshold;
  ``min_weight`` while the card reports thermal or power throttling. The scheduler hands a
  hot GPU fewer frames and the others more, so the show's frame rate holds.
- the show's **rate**: a step of ``rate_steps`` (1 = every frame). When every GPU has been
  hot (within the margin, or throttling) for ``dwell_s``, one step down: fewer distinct
  frames, each on time, rather than frames dropped at random. When every GPU has been
  cool (``hysteresis_c`` below the margin, not throttling) for ``dwell_s``, one step up.
- **news**: a line for every change of a GPU's state and every rate step, to log and show.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from live.telemetry.gpus import GpuSample

COOL, WARM, THROTTLING = "cool", "warm", "throttling"


@dataclass(frozen=True)
class GuardSettings:
    margin_c: float = 5.0      # degrees below the slowdown threshold where a GPU counts as warm
    hysteresis_c: float = 3.0  # ... and this much further below before it counts as cool again
    dwell_s: float = 5.0       # how long every GPU stays hot (or cool) before a rate step
    min_weight: float = 0.1    # a hot GPU still draws some frames: the show never stops
    rate_steps: tuple[float, ...] = (1.0, 0.75, 0.5)


@dataclass(frozen=True)
class GuardDecision:
    weights: dict[int, float]            # by GPU index
    rate: float                          # fraction of the show's fps drawn
    states: dict[int, str]               # by GPU index: cool, warm, throttling
    news: list[str] = field(default_factory=list)


class ThermalGuard:
    def __init__(self, settings: GuardSettings = GuardSettings()) -> None:
        self.settings = settings
        self.step = 0                       # index into rate_steps
        self.states: dict[int, str] = {}
        self._since: tuple[str, float] | None = None   # ("hot" | "cool", since when)

    @property
    def rate(self) -> float:
        return self.settings.rate_steps[self.step]

    def state_of(self, sample: GpuSample) -> str:
        if sample.throttling:
            return THROTTLING
        if sample.temperature_c is None or sample.slowdown_c is None:
            return COOL    # nothing to judge by: the card is left alone
        warm_from = sample.slowdown_c - self.settings.margin_c
        if sample.temperature_c >= warm_from:
            return WARM
        # Between the margin and the hysteresis band a warm GPU stays warm.
        was_warm = self.states.get(sample.index) in (WARM, THROTTLING)
        if was_warm and sample.temperature_c >= warm_from - self.settings.hysteresis_c:
            return WARM
        return COOL

    def weight_of(self, sample: GpuSample, state: str) -> float:
        low = self.settings.min_weight
        if state == THROTTLING:
            return low
        if sample.temperature_c is None or sample.slowdown_c is None:
            return 1.0
        headroom = (sample.slowdown_c - sample.temperature_c) / self.settings.margin_c
        return min(1.0, max(low, low + (1.0 - low) * headroom))

    def update(self, now: float, samples: list[GpuSample]) -> GuardDecision:
        news = []
        states = {}
        for sample in samples:
            state = self.state_of(sample)
            if state != self.states.get(sample.index, COOL):
                why = ", ".join(sample.throttling) if state == THROTTLING else \
                    f"{sample.temperature_c:.0f} C, slowdown at {sample.slowdown_c:.0f} C" \
                    if sample.temperature_c is not None and sample.slowdown_c is not None else ""
                news.append(f"GPU{sample.index} {state}" + (f" ({why})" if why else ""))
            states[sample.index] = state
        self.states = states
        news += self._step_rate(now, states)
        weights = {s.index: self.weight_of(s, states[s.index]) for s in samples}
        return GuardDecision(weights, self.rate, dict(states), news)

    def _step_rate(self, now: float, states: dict[int, str]) -> list[str]:
        if states and all(state != COOL for state in states.values()):
            trend = "hot"
        elif all(state == COOL for state in states.values()):
            trend = "cool"
        else:
            self._since = None    # some hot, some cool: the shares deal with it
            return []
        if self._since is None or self._since[0] != trend:
            self._since = (trend, now)
        if now - self._since[1] < self.settings.dwell_s:
            return []
        old = self.rate
        if trend == "hot" and self.step < len(self.settings.rate_steps) - 1:
            self.step += 1
            why = "every GPU hot"
        elif trend == "cool" and self.step > 0:
            self.step -= 1
            why = "every GPU cool"
        else:
            return []
        self._since = (trend, now)   # the next step needs another dwell
        return [f"show rate {old:.0%} -> {self.rate:.0%} of its fps ({why})"]
