"""Catmull-Rom resampling on the CPU, for renders where OpenGL is software (Mesa's llvmpipe).

llvmpipe runs frame.frag's 16 texel reads per output pixel on the CPU: 172 ms for a 1024²
frame at 3840x2160 on two cores. The same resampling as two separable passes, each a sparse
matrix of 4 taps per output row or column (the taps and weights of
:func:`live.compositor.catmull_rom.axis_taps`, the one definition of the kernel), costs a
fraction of that (``benchmarks/bench_resample.py``). The renderer then copies the
already-sized picture to the output; it takes this path only where the shader would change
no pixel of it (the look's colour at rest, no layer stack), since drawing it through the
shader again would cost what the shader's own resampling does (see ``FrameRenderer.draw``).

Geometry is the shader's: output pixel ``x`` of a frame placed over ``[x0, x1)`` reads the
shown frame (rotated and mirrored as placed) at ``(x + 0.5 - x0) / (x1 - x0) * width - 0.5``,
and the pixels covered are those whose centres lie in the rectangle. The performed look's
zoom and pan are a scale about a centre on each axis, composed into the taps; a spin mixes
the axes, which separable passes cannot do: that frame is resampled in the shader.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import cv2
import numpy as np
import scipy.sparse

from live.compositor.catmull_rom import axis_taps
from live.compositor.placement import corner_uvs

# GL_RENDERER names of Mesa's software rasterisers.
SOFTWARE_RENDERERS = ("llvmpipe", "softpipe", "swrast")


def software_gl(gl_renderer: str) -> bool:
    """Whether a context's ``GL_RENDERER`` names a software rasteriser.

    >>> software_gl("llvmpipe (LLVM 15.0.7, 256 bits)"), software_gl("NVIDIA H200/PCIe/SSE2")
    (True, False)
    """
    name = gl_renderer.lower()
    return any(software in name for software in SOFTWARE_RENDERERS)


def resamples_on_cpu(setting: str | bool, gl_renderer: str) -> bool:
    """``[output] cpu_resample`` for a context: ``"auto"`` is on where GL is software."""
    return software_gl(gl_renderer) if setting == "auto" else bool(setting)


class AxisView(NamedTuple):
    """How output pixels along one axis read the shown frame: its ``size`` in pixels, the
    placed rectangle's ``start`` and ``length`` (output pixels), and the zoom about
    ``centre`` (a fraction of the frame) the performed look plays."""

    size: int
    start: float
    length: float
    centre: float = 0.5
    zoom: float = 1.0


@dataclass(frozen=True)
class Footprint:
    """The output pixels a placed frame covers (``left``, ``top``, ``width``, ``height``)
    and how each covered axis samples the shown frame."""

    left: int
    top: int
    width: int
    height: int
    columns: AxisView
    rows: AxisView

    @property
    def empty(self) -> bool:
        return self.width <= 0 or self.height <= 0


def _covered(start: float, end: float, limit: int) -> tuple[int, int]:
    """First covered pixel and count: centres ``p + 0.5`` in ``[start, end)``, on the target."""
    first = max(0, math.ceil(start - 0.5))
    last = min(limit, math.ceil(end - 0.5))
    return first, max(0, last - first)


def footprint(shown_size: tuple[int, int], rect: tuple[float, float, float, float],
              target_size: tuple[int, int], centre: tuple[float, float] = (0.5, 0.5),
              zoom: float = 1.0) -> Footprint:
    """Where a shown frame of ``shown_size = (width, height)``, placed over ``rect = (x0, y0,
    x1, y1)`` (output pixels, top-left origin), lands on a ``target_size`` output, zoomed by
    ``zoom`` about ``centre`` (fractions of the shown frame, see :func:`shown_point`)."""
    x0, y0, x1, y1 = rect
    left, width = _covered(x0, x1, target_size[0])
    top, height = _covered(y0, y1, target_size[1])
    return Footprint(left, top, width, height,
                     AxisView(shown_size[0], x0, x1 - x0, centre[0], zoom),
                     AxisView(shown_size[1], y0, y1 - y0, centre[1], zoom))


def orient(image: np.ndarray, rotation: int, mirror: str) -> np.ndarray:
    """The frame as shown: turned clockwise by ``rotation`` degrees, then mirrored (as
    ``placement.corner_uvs`` assigns the quad's corners)."""
    shown = np.rot90(image, k=-(rotation // 90))
    if mirror in ("horizontal", "both"):
        shown = shown[:, ::-1]
    if mirror in ("vertical", "both"):
        shown = shown[::-1]
    return shown


def shown_point(uv: tuple[float, float], rotation: int, mirror: str) -> tuple[float, float]:
    """A point of the frame texture (``uv``, fractions, top-left origin) as a point of the
    frame as shown: the inverse of the map the quad's corners make (``corner_uvs``).

    >>> shown_point((0.25, 0.0), 90, "none")    # a turn clockwise: the top edge goes right
    (1.0, 0.25)
    """
    top_left, top_right, bottom_left, _ = corner_uvs(rotation, mirror).astype(np.float64)
    across = np.column_stack([top_right - top_left, bottom_left - top_left])
    x, y = np.linalg.solve(across, np.asarray(uv, np.float64) - top_left)
    return float(x), float(y)


@lru_cache(maxsize=8)
def _axis_matrix(view: AxisView, first: int, count: int) -> scipy.sparse.csr_matrix:
    """``[count, view.size]``: row ``i`` holds the 4 taps of output pixel ``first + i``,
    reading the frame where frame.frag does (``u = centre + (v - 0.5) / zoom``)."""
    across_rect = (np.arange(first, first + count) + 0.5 - view.start) / view.length
    positions = (view.centre + (across_rect - 0.5) / view.zoom) * view.size - 0.5
    indices, weights = axis_taps(positions, view.size)
    rows = np.repeat(np.arange(count), 4)
    return scipy.sparse.csr_matrix((weights.ravel().astype(np.float32),
                                    (rows, indices.ravel())), shape=(count, view.size))


def resample(shown: np.ndarray, where: Footprint) -> np.ndarray:
    """The covered part of the output: ``[where.height, where.width, C]`` uint8 from a
    ``[h, w, C]`` uint8 shown frame (C = 3 or 4), Catmull-Rom in float32, rounded.

    Columns first on the transposed frame, so both passes multiply contiguous rows.
    """
    height, width, channels = shown.shape
    across = _axis_matrix(where.columns, where.left, where.width)
    down = _axis_matrix(where.rows, where.top, where.height)
    columns_first = cv2.transpose(np.ascontiguousarray(shown)).reshape(width, -1)
    wide = across @ columns_first.astype(np.float32)            # [out w, h * C]
    rows_first = cv2.transpose(wide.reshape(where.width, height, channels))
    out = down @ rows_first.reshape(height, -1)                  # [out h, out w * C]
    # Rounded and clipped to 0..255 (edges overshoot), as the shader's output is; in place,
    # as a fresh array of this size costs its page faults again.
    cv2.max(out, 0.0, dst=out)
    return cv2.convertScaleAbs(out).reshape(where.height, where.width, channels)
