"""Seeds to random numbers: the show's seed decides every random choice, reproducibly."""

from __future__ import annotations

import numpy as np

Z_DIM = 512


def seed_z(seed: int) -> np.ndarray:
    """z [512] for a seed, drawn as NVIDIA's generate.py does (``RandomState(seed).randn``), so
    "seed:42" here is the picture seed 42 is everywhere else."""
    return np.random.RandomState(seed).randn(Z_DIM).astype(np.float32)


def stream_rng(seed: int, stream: str) -> np.random.Generator:
    """An independent generator per purpose (``stream``), so adding a random choice to one part
    of the show never changes the draws of another."""
    return np.random.default_rng([seed, *stream.encode("utf-8")])
