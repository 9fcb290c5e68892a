"""How the output looks besides the frame itself: pure values, no GL.

:class:`Look` gathers everything from ``[output]`` that the drawing code needs (resampling,
placement, background and colour adjustments); the compositor rebuilds it when a new
:class:`~live.compositor.config.OutputConfig` arrives, which is how placement changes live.
:class:`Fade` turns the blackout switch into a smooth ramp.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from live.compositor.config import OutputConfig
from live.compositor.placement import Placement

# frame.frag's UPSCALE_METHOD for each method name. "bicubic" is the 16-point-tap variant,
# chosen by measurement (benchmarks/bench_compositor.py, tests/compositor/test_upscale.py):
# it stays within 1/255 of the exact Catmull-Rom, while the 9-bilinear-tap variant is off by
# 2/255 where filtering weights have 8 bits (llvmpipe, most GPUs), and on llvmpipe it is
# also twice as fast, texture filtering being the expensive part there.
METHODS = {"nearest": 0, "linear": 1, "bicubic9": 2, "bicubic16": 3, "bicubic": 3}


@dataclass(frozen=True)
class Look:
    """The output's appearance: resampling method, placement, background and colour."""

    method: str = "bicubic"
    placement: Placement = field(default_factory=Placement)
    background: tuple[float, float, float] = (0.0, 0.0, 0.0)
    brightness: float = 0.0
    contrast: float = 1.0
    gamma: float = 1.0
    fade_time: float = 1.0

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"upscale method {self.method!r}: expected one of {tuple(METHODS)}")

    @classmethod
    def from_output(cls, output: OutputConfig) -> Look:
        placement = Placement(mode=output.placement, size=tuple(output.frame_size),
                              position=tuple(output.position), mirror=output.mirror,
                              rotation=output.rotation)
        return cls(method=output.upscale, placement=placement,
                   background=tuple(output.background), brightness=output.brightness,
                   contrast=output.contrast, gamma=output.gamma, fade_time=output.fade_time)


class Fade:
    """The picture's level between black (0) and full (1), ramping over ``fade_time`` seconds."""

    def __init__(self, level: float = 1.0) -> None:
        self.level = level

    def advance(self, blackout: bool, seconds: float, fade_time: float) -> float:
        """Move toward black (blackout) or full picture by ``seconds`` of ramp; the new level."""
        target = 0.0 if blackout else 1.0
        step = seconds / fade_time if fade_time > 0 else 1.0
        if self.level < target:
            self.level = min(target, self.level + step)
        else:
            self.level = max(target, self.level - step)
        return self.level

    def moving(self, blackout: bool) -> bool:
        """Whether the level still has to change to reach what ``blackout`` asks for."""
        return self.level != (0.0 if blackout else 1.0)
