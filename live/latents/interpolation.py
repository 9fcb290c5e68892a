"""Paths between two latents: linear, spherical (slerp) and the cosine ease.

All functions work on the last axis (512 values), so a W ``[512]`` and a W+ ``[num_ws, 512]``
(one slerp per row) go through the same code.
"""

from __future__ import annotations

import numpy as np

# Below this sine of the angle two directions count as parallel: slerp's division would blow
# up, and the straight line is the same path anyway.
PARALLEL_SINE = 1e-6


def ease(t: float) -> float:
    """Cosine ease 0 -> 1: zero speed at both ends, so a journey glides through its stops."""
    return 0.5 - 0.5 * float(np.cos(np.pi * t))


def lerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """The straight line from ``a`` (t = 0) to ``b`` (t = 1)."""
    return a + (b - a) * np.float32(t)


def slerp(a: np.ndarray, b: np.ndarray, t: float, center: np.ndarray) -> np.ndarray:
    """The great-circle path from ``a`` to ``b`` around ``center``.

    Directions from ``center`` turn at constant angular speed while the distance from it moves
    linearly between the two ends' distances, so two latents at the same distance from the
    centre give a path that stays at that distance (linear interpolation would cut the corner
    and pass closer to the centre: a washed-out, "average" picture halfway). ``center`` is the
    average W, the middle of what the network has learned.
    """
    a0, b0 = a - center, b - center
    norm_a = np.sqrt(np.einsum("...i,...i->...", a0, a0))[..., None]
    norm_b = np.sqrt(np.einsum("...i,...i->...", b0, b0))[..., None]
    tiny = np.finfo(np.float32).tiny
    lengths = np.maximum(norm_a * norm_b, tiny)
    cosine = np.clip(np.einsum("...i,...i->...", a0, b0)[..., None] / lengths, -1.0, 1.0)
    angle = np.arccos(cosine)
    sine = np.sin(angle)
    # Parallel directions: the straight line between the unit vectors is the same path.
    # (Opposite directions have no single great circle; that path passes through the centre.)
    parallel = sine < PARALLEL_SINE
    safe_sine = np.where(parallel, 1.0, sine)
    weight_a = np.where(parallel, 1.0 - t, np.sin((1.0 - t) * angle) / safe_sine)
    weight_b = np.where(parallel, t, np.sin(t * angle) / safe_sine)
    radius = (1.0 - t) * norm_a + t * norm_b
    # center + radius * (weight_a * a0 / |a0| + weight_b * b0 / |b0|), scalars folded first.
    scale_a = (weight_a * radius / np.maximum(norm_a, tiny)).astype(a.dtype)
    scale_b = (weight_b * radius / np.maximum(norm_b, tiny)).astype(a.dtype)
    return center + scale_a * a0 + scale_b * b0


def interpolate(a: np.ndarray, b: np.ndarray, t: float, method: str,
                center: np.ndarray) -> np.ndarray:
    """``a`` at t = 0 and ``b`` at t = 1 exactly (copies), ``method`` ("linear"/"slerp") between.

    The exact ends matter: a loop must land bit-for-bit on the stop it started from.
    """
    assert a.shape == b.shape and a.shape[-1] == center.shape[-1], (a.shape, b.shape, center.shape)
    if t <= 0.0:
        return a.copy()
    if t >= 1.0:
        return b.copy()
    if method == "linear":
        return lerp(a, b, t)
    if method == "slerp":
        return slerp(a, b, t, center)
    raise ValueError(f"unknown interpolation {method!r} (expected 'linear' or 'slerp')")
