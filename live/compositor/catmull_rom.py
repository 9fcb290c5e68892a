"""Catmull-Rom resampling in plain numpy: the reference the GL shader is tested against.

A Catmull-Rom spline is the cubic convolution kernel with ``a = -0.5``: it passes through
every source sample, keeps straight ramps straight, and overshoots slightly at hard edges
(the negative outer lobes are what makes it look sharper than bilinear).

Geometry follows pixel centres: output pixel ``j`` of ``n_out`` samples the source at
``(j + 0.5) * n_in / n_out - 0.5`` (in source pixel units), and samples outside the image
repeat the edge pixel. The shader does exactly the same, so the two agree to rounding.
"""

from __future__ import annotations

import numpy as np


def catmull_rom_weights(t: np.ndarray) -> np.ndarray:
    """The four tap weights for the samples at offsets -1, 0, 1, 2 around a fraction ``t``.

    ``t`` in [0, 1) is how far the sample point lies past the pixel at offset 0. Returns an
    array of shape ``t.shape + (4,)`` whose rows sum to 1.
    """
    t = np.asarray(t, dtype=np.float64)
    t2, t3 = t * t, t * t * t
    return np.stack([
        -0.5 * t3 + t2 - 0.5 * t,
        1.5 * t3 - 2.5 * t2 + 1.0,
        -1.5 * t3 + 2.0 * t2 + 0.5 * t,
        0.5 * t3 - 0.5 * t2,
    ], axis=-1)


def axis_taps(positions: np.ndarray, n_in: int) -> tuple[np.ndarray, np.ndarray]:
    """For each sample position along one axis (in source pixel units, pixel centres at
    integers): the 4 source indices, clamped to ``0 .. n_in - 1`` (the edge repeats), and
    their weights, each of shape ``[len(positions), 4]``.

    >>> indices, weights = axis_taps(np.array([0.0, 2.5]), 3)
    >>> indices.tolist()
    [[0, 0, 1, 2], [1, 2, 2, 2]]
    >>> weights.round(4).tolist()
    [[0.0, 1.0, 0.0, 0.0], [-0.0625, 0.5625, 0.5625, -0.0625]]
    """
    position = np.asarray(positions, dtype=np.float64)
    base = np.floor(position)
    weights = catmull_rom_weights(position - base)
    indices = np.clip(base.astype(np.int64)[:, None] + np.arange(-1, 3), 0, n_in - 1)
    return indices, weights


def resize_positions(n_in: int, n_out: int) -> np.ndarray:
    """Where each of ``n_out`` output samples reads ``n_in`` source samples (pixel centres)."""
    return (np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5


def catmull_rom_resize(image: np.ndarray, out_size: tuple[int, int]) -> np.ndarray:
    """Resize a ``[H, W, C]`` uint8 image to ``out_size = (out_h, out_w)`` with Catmull-Rom.

    Separable: columns first, then rows, in float64; the result is rounded to the nearest
    integer and clipped to 0..255 (the overshoot at edges would otherwise wrap).
    """
    if image.ndim != 3 or image.dtype != np.uint8:
        raise ValueError(f"expected an [H, W, C] uint8 image, got {image.dtype} {image.shape}")
    out_h, out_w = out_size
    cols, col_w = axis_taps(resize_positions(image.shape[1], out_w), image.shape[1])
    rows, row_w = axis_taps(resize_positions(image.shape[0], out_h), image.shape[0])
    src = image.astype(np.float64)
    # One tap at a time keeps memory at a few image-sized float arrays even at 4K.
    across = sum(src[:, cols[:, k], :] * col_w[None, :, k, None] for k in range(4))
    down = sum(across[rows[:, k], :, :] * row_w[:, k, None, None] for k in range(4))
    return np.clip(np.rint(down), 0, 255).astype(np.uint8)
