"""Where the frame goes on the output: pure geometry, no GL, so it is testable alone.

The frame (a ``frame_w x frame_h`` image) becomes a rectangle on a ``target_w x target_h``
output, given in output pixels from the top-left corner. Modes:

- ``fit``: as large as possible with the whole frame visible (bars on two sides);
- ``fill``: as small as possible with the whole output covered (the frame is cropped);
- ``size``: exactly ``size = (w, h)`` output pixels;
- ``stretch``: the whole output, aspect ignored.

``position`` puts the rectangle's centre at a fraction of the output (0.5, 0.5 = centred).
The performed placement (issue 12's ``frame_scale``, ``frame_x``, ``frame_y``) then scales
the rectangle about its centre by ``scale`` and moves it by ``offset`` (fractions of the
output's width and height).
A 90 or 270 degree rotation swaps the frame's width and height before the fit. The result
is a triangle strip of four ``(x, y, u, v)`` vertices: corners in normalised device
coordinates (y up) and the texture coordinates (v down from the image's top row) that
rotation and mirroring assign to each corner.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MODES = ("fit", "fill", "size", "stretch")
MIRRORS = ("none", "horizontal", "vertical", "both")
ROTATIONS = (0, 90, 180, 270)

# Image corners in clockwise order: top-left, top-right, bottom-right, bottom-left.
_CLOCKWISE_UV = np.array([(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)], dtype=np.float32)
# Strip order of the quad's corners as indices into that clockwise list: TL, TR, BL, BR.
_STRIP_ORDER = (0, 1, 3, 2)


@dataclass(frozen=True)
class Placement:
    """How the frame sits on the output (see the module docstring for the modes)."""

    mode: str = "fit"
    size: tuple[int, int] = (0, 0)
    position: tuple[float, float] = (0.5, 0.5)
    mirror: str = "none"
    rotation: int = 0
    scale: float = 1.0
    offset: tuple[float, float] = (0.0, 0.0)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"placement mode {self.mode!r}: expected one of {MODES}")
        if self.mirror not in MIRRORS:
            raise ValueError(f"mirror {self.mirror!r}: expected one of {MIRRORS}")
        if self.rotation not in ROTATIONS:
            raise ValueError(f"rotation {self.rotation!r}: expected one of {ROTATIONS}")
        if self.mode == "size" and min(self.size) <= 0:
            raise ValueError(f"placement size {self.size!r}: expected a positive width and height")


def frame_rect(frame_w: int, frame_h: int, target_w: int, target_h: int,
               placement: Placement) -> tuple[float, float, float, float]:
    """The frame's rectangle ``(x0, y0, x1, y1)`` in output pixels, origin at the top-left."""
    shown_w, shown_h = (frame_h, frame_w) if placement.rotation in (90, 270) else (frame_w, frame_h)
    if placement.mode == "stretch":
        width, height = float(target_w), float(target_h)
    elif placement.mode == "size":
        width, height = (float(v) for v in placement.size)
    else:
        pick = min if placement.mode == "fit" else max
        scale = pick(target_w / shown_w, target_h / shown_h)
        width, height = shown_w * scale, shown_h * scale
    width, height = width * placement.scale, height * placement.scale
    centre_x = (placement.position[0] + placement.offset[0]) * target_w
    centre_y = (placement.position[1] + placement.offset[1]) * target_h
    return (centre_x - width / 2, centre_y - height / 2, centre_x + width / 2, centre_y + height / 2)


def corner_uvs(rotation: int, mirror: str) -> np.ndarray:
    """Texture coordinates of the quad's corners in strip order (TL, TR, BL, BR).

    Rotating the picture clockwise by 90 degrees means the output's top-left corner shows
    what was the image's bottom-left: each displayed corner takes the image corner one step
    back in clockwise order. Mirroring then swaps displayed left/right or top/bottom.
    """
    steps = rotation // 90
    clockwise = np.roll(_CLOCKWISE_UV, steps, axis=0)
    strip = clockwise[list(_STRIP_ORDER)]
    if mirror in ("horizontal", "both"):
        strip = strip[[1, 0, 3, 2]]
    if mirror in ("vertical", "both"):
        strip = strip[[2, 3, 0, 1]]
    return strip


def rect_vertices(rect: tuple[float, float, float, float], target_w: int, target_h: int,
                  uvs: np.ndarray) -> np.ndarray:
    """A ``[4, 4]`` float32 strip ``(x, y, u, v)`` for a pixel rectangle on the output."""
    x0, y0, x1, y1 = rect
    xs = np.array([x0, x1, x0, x1]) / target_w * 2.0 - 1.0
    ys = 1.0 - np.array([y0, y0, y1, y1]) / target_h * 2.0
    return np.column_stack([xs, ys, uvs]).astype(np.float32)


def frame_vertices(frame_w: int, frame_h: int, target_w: int, target_h: int,
                   placement: Placement) -> np.ndarray:
    """The frame's quad on the output: ``[4, 4]`` float32 ``(x, y, u, v)``, strip order."""
    rect = frame_rect(frame_w, frame_h, target_w, target_h, placement)
    return rect_vertices(rect, target_w, target_h, corner_uvs(placement.rotation, placement.mirror))
