"""Catmull-Rom resampling on the CPU, for renders where OpenGL is software (Mesa's llvmpipe).

llvmpipe runs frame.frag's 16 texel reads per output pixel on the CPU: 172 ms for a 1024²
frame at 3840x2160 on two cores. The same resampling as two separable passes, each a sparse
matrix of 4 taps per output row or column (the taps and weights of
:func:`live.compositor.catmull_rom.axis_taps`, the one definition of the kernel), costs a
fraction of that (``benchmarks/bench_resample.py``). The renderer then copies the
already-sized picture to the output, or where the look changes its colours or the layers mix
it draws it texel for texel through the shader, so the look, the layers, the eyes and the HUD
still apply on GL (see ``FrameRenderer.draw``).

Geometry is the shader's: output pixel ``x`` of a frame placed over ``[x0, x1)`` reads the
shown frame (rotated and mirrored as placed) at ``(x + 0.5 - x0) / (x1 - x0) * width - 0.5``,
and the pixels covered are those whose centres lie in the rectangle.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
import scipy.sparse

from live.compositor.catmull_rom import axis_taps

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


@dataclass(frozen=True)
class Footprint:
    """The output pixels a placed frame covers (``left``, ``top``, ``width``, ``height``)
    and the geometry each covered axis samples the shown frame with."""

    left: int
    top: int
    width: int
    height: int
    columns: tuple[int, float, float]   # (frame width, rectangle's x0, its width)
    rows: tuple[int, float, float]      # (frame height, rectangle's y0, its height)

    @property
    def empty(self) -> bool:
        return self.width <= 0 or self.height <= 0


def _covered(start: float, end: float, limit: int) -> tuple[int, int]:
    """First covered pixel and count: centres ``p + 0.5`` in ``[start, end)``, on the target."""
    first = max(0, math.ceil(start - 0.5))
    last = min(limit, math.ceil(end - 0.5))
    return first, max(0, last - first)


def footprint(shown_size: tuple[int, int], rect: tuple[float, float, float, float],
              target_size: tuple[int, int]) -> Footprint:
    """Where a shown frame of ``shown_size = (width, height)``, placed over ``rect = (x0, y0,
    x1, y1)`` (output pixels, top-left origin), lands on a ``target_size`` output."""
    x0, y0, x1, y1 = rect
    left, width = _covered(x0, x1, target_size[0])
    top, height = _covered(y0, y1, target_size[1])
    return Footprint(left, top, width, height, (shown_size[0], x0, x1 - x0),
                     (shown_size[1], y0, y1 - y0))


def orient(image: np.ndarray, rotation: int, mirror: str) -> np.ndarray:
    """The frame as shown: turned clockwise by ``rotation`` degrees, then mirrored (as
    ``placement.corner_uvs`` assigns the quad's corners)."""
    shown = np.rot90(image, k=-(rotation // 90))
    if mirror in ("horizontal", "both"):
        shown = shown[:, ::-1]
    if mirror in ("vertical", "both"):
        shown = shown[::-1]
    return shown


@lru_cache(maxsize=8)
def _axis_matrix(n_in: int, start: float, length: float, first: int, count: int
                 ) -> scipy.sparse.csr_matrix:
    """``[count, n_in]``: row ``i`` holds the 4 taps of output pixel ``first + i``."""
    positions = (np.arange(first, first + count) + 0.5 - start) / length * n_in - 0.5
    indices, weights = axis_taps(positions, n_in)
    rows = np.repeat(np.arange(count), 4)
    return scipy.sparse.csr_matrix((weights.ravel().astype(np.float32),
                                    (rows, indices.ravel())), shape=(count, n_in))


def resample(shown: np.ndarray, where: Footprint) -> np.ndarray:
    """The covered part of the output: ``[where.height, where.width, C]`` uint8 from a
    ``[h, w, C]`` uint8 shown frame (C = 3 or 4), Catmull-Rom in float32, rounded.

    Columns first on the transposed frame, so both passes multiply contiguous rows.
    """
    height, width, channels = shown.shape
    across = _axis_matrix(width, where.columns[1], where.columns[2], where.left, where.width)
    down = _axis_matrix(height, where.rows[1], where.rows[2], where.top, where.height)
    columns_first = cv2.transpose(np.ascontiguousarray(shown)).reshape(width, -1)
    wide = across @ columns_first.astype(np.float32)            # [out w, h * C]
    rows_first = cv2.transpose(wide.reshape(where.width, height, channels))
    out = down @ rows_first.reshape(height, -1)                  # [out h, out w * C]
    # Rounded and clipped to 0..255 (edges overshoot), as the shader's output is; in place,
    # as a fresh array of this size costs its page faults again.
    cv2.max(out, 0.0, dst=out)
    return cv2.convertScaleAbs(out).reshape(where.height, where.width, channels)
