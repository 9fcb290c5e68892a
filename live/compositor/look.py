"""How the output looks besides the frame itself: pure values, no GL.

:class:`Look` gathers everything from ``[output]`` that the drawing code needs (resampling,
placement, background and colour adjustments); the compositor rebuilds it when a new
:class:`~live.compositor.config.OutputConfig` arrives, which is how placement changes live.
:class:`Fade` turns the blackout switch into a smooth ramp.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

from live.compositor.config import OutputConfig
from live.compositor.placement import Placement
from live.contracts.messages import PerformedLook
from live.contracts.parameters import parameter

FLASH_BEATS = 0.25     # a strobe flash fades out over a quarter beat (at most half its cycle)
TRAIL_LEFT = 0.1       # trail_time is how long a trail takes to fade to this share

# frame.frag's UPSCALE_METHOD for each method name. "bicubic" is the 16-point-tap variant,
# chosen by measurement (benchmarks/bench_compositor.py, tests/compositor/test_upscale.py):
# it stays within 1/255 of the exact Catmull-Rom, while the 9-bilinear-tap variant is off by
# 2/255 where filtering weights have 8 bits (llvmpipe, most GPUs), and on llvmpipe it is
# also twice as fast, texture filtering being the expensive part there.
METHODS = {"nearest": 0, "linear": 1, "bicubic9": 2, "bicubic16": 3, "bicubic": 3}
# The performed look's fields frame.frag changes colours by (the rest move the frame, or
# are drawn before it: trails, or as the flash: the strobe).
COLOUR_FIELDS = ("master", "punch", "saturation", "hue", "invert")


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


def colour_unchanged(look: Look, performed: PerformedLook, fade: float, flash: float) -> bool:
    """Whether frame.frag leaves a frame's colours as they are: every colour adjustment it
    makes (the static look's, the performed look's, the fade, the strobe's flash) at rest."""
    rest = PerformedLook.declared_defaults()
    return (look.brightness == 0.0 and look.contrast == 1.0 and look.gamma == 1.0
            and fade == 1.0 and flash == 0.0
            and all(getattr(performed, name) == getattr(rest, name) for name in COLOUR_FIELDS))


def view_transform(performed: PerformedLook, frame_width: int, frame_height: int
                   ) -> tuple[tuple[float, float], tuple[float, ...]]:
    """Where frame.frag reads the frame for zoom, pan and spin: ``uv = centre + matrix @
    (v_uv - 0.5)``, the matrix column-major as GL takes it.

    Zoom is about the pan point, which stays where the zoomed view is inside the frame
    (pan -1 and 1 reach its edges; at zoom 1 it cannot move; pan_y 1 is the top). The spin
    turns about the centre in pixels, so a frame that is not square keeps its shape; rows run
    down the picture, so a counter-clockwise turn on screen reads through ``[[c, -s], [s, c]]``
    in (column, row) pixels.
    """
    zoom = performed.zoom
    centre = (0.5 + 0.5 * performed.pan_x * (1.0 - 1.0 / zoom),
              0.5 - 0.5 * performed.pan_y * (1.0 - 1.0 / zoom))
    cos, sin = math.cos(math.radians(performed.spin)), math.sin(math.radians(performed.spin))
    aspect = frame_width / frame_height     # texture units: 1 across each axis
    rows = ((cos / zoom, -sin / (zoom * aspect)), (sin * aspect / zoom, cos / zoom))
    return centre, (rows[0][0], rows[1][0], rows[0][1], rows[1][1])


def strobe_flash(beat: float, performed: PerformedLook) -> float:
    """How far toward white the strobe takes the frame at beat position ``beat``: the full
    ``strobe`` on every ``strobe_every`` beats, fading to nothing over a quarter beat."""
    if performed.strobe <= 0.0:
        return 0.0
    every = float(Fraction(parameter("strobe_every").choices[performed.strobe_every]))
    since = beat % every
    return performed.strobe * max(0.0, 1.0 - since / min(FLASH_BEATS, every / 2))


def trail_keep(trail_time: float, fps: int) -> float:
    """How much of a trail is left after one output period, so that it fades to
    ``TRAIL_LEFT`` in ``trail_time`` seconds whatever the frame rate."""
    return TRAIL_LEFT ** (1.0 / (trail_time * fps))
