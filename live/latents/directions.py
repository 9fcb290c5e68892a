"""Semantic directions: the top principal directions of a network's W, and their cache.

At load the show maps ``SAMPLES`` seeded z through each network's mapping and keeps the first
``COUNT`` principal directions of the W it gets (PCA, as GANSpace does), each scaled by its
standard deviation, so a knob at 1 pushes the W+ one standard deviation along it. They
depend on the mapping alone, so the cache is keyed by a hash of the mapping's weights: a
network whose mapping changed gets new directions, one whose synthesis alone changed keeps
them. The cache file sits beside the network file (``NAME.directions.npz``) when that folder
can be written, and in the user cache folder under the key (built-in demos only there).
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from live.contracts.outputs import atomic_output
from live.latents.projection import W_DIM
from live.latents.seeds import Z_DIM, stream_rng

log = logging.getLogger(__name__)

COUNT = 8              # directions kept: the knobs direction_1 .. direction_8
SAMPLES = 10_000       # z drawn for the PCA
BATCH = 1_000          # z mapped per call (bounds the memory of one mapping call)
SEED = 0               # the PCA's own seed: directions belong to the network, not to a show
SUFFIX = ".directions.npz"


def principal_directions(map_z: Callable[[np.ndarray], np.ndarray], samples: int = SAMPLES,
                         count: int = COUNT) -> np.ndarray:
    """The top ``count`` principal directions of W = map_z(z) for ``samples`` seeded z, as
    [count, 512] float32 rows, each a unit vector times the standard deviation of W along it.
    Signs are fixed (the largest component of each positive), so a knob means the same on
    every machine."""
    rng = stream_rng(SEED, "directions")
    ws = np.concatenate([np.asarray(map_z(rng.standard_normal((min(BATCH, samples - done),
                                                                 Z_DIM)).astype(np.float32)),
                                    np.float64)
                         for done in range(0, samples, BATCH)])
    assert ws.shape == (samples, W_DIM), ws.shape
    ws = ws[np.isfinite(ws).all(axis=1)]
    if len(ws) <= count:   # a damaged mapping: no directions, the knobs do nothing on it
        log.warning("the mapping network draws NaN/inf W: its semantic directions are 0")
        return np.zeros((count, W_DIM), np.float32)
    centred = ws - ws.mean(axis=0)
    variances, vectors = np.linalg.eigh(centred.T @ centred / (len(ws) - 1))
    top = np.argsort(variances)[::-1][:count]
    directions = vectors[:, top].T
    signs = np.sign(directions[np.arange(count), np.abs(directions).argmax(axis=1)])
    scaled = directions * (signs * np.sqrt(np.maximum(variances[top], 0.0)))[:, None]
    return scaled.astype(np.float32)


def fingerprint(weights: Iterable[np.ndarray]) -> str:
    """Hex SHA-256 of a mapping network's weights (in their order), the cache's key."""
    digest = hashlib.sha256()
    for array in weights:
        digest.update(str(array.shape).encode())
        digest.update(np.ascontiguousarray(array, np.float32).tobytes())
    return digest.hexdigest()


def cache_paths(network_file: Path | None, key: str, user_cache: Path) -> list[Path]:
    """Where the directions of a network are kept, first choice first: beside its file when
    that folder can be written, and always in ``user_cache`` under the key (so a copy of the
    network elsewhere, or in a folder that cannot be written, finds them too)."""
    paths = [user_cache / f"{key}{SUFFIX}"]
    if network_file is not None and os.access(network_file.parent, os.W_OK):
        paths.insert(0, network_file.with_name(network_file.name + SUFFIX))
    return paths


def cached_directions(network_file: Path | None, key: str, user_cache: Path,
                      map_z: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """The directions of the network whose mapping has fingerprint ``key``: read from a cache
    file made for the same mapping, else computed and written to every cache path (one that
    cannot be written is said in the log; the show goes on with what it computed)."""
    paths = cache_paths(network_file, key, user_cache)
    for path in paths:
        try:
            with np.load(path, allow_pickle=False) as cached:
                if str(cached["key"]) == key and cached["directions"].shape == (COUNT, W_DIM):
                    return cached["directions"].astype(np.float32)
        except (OSError, ValueError, KeyError):
            pass   # none yet, from another mapping or format, or damaged: computed below
    directions = principal_directions(map_z)
    for path in paths:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_output(path) as temporary, temporary.open("wb") as stream:
                np.savez(stream, key=np.array(key), directions=directions)
        except OSError as exc:
            log.warning("semantic directions not cached in %s (%s)", path.parent, exc)
    return directions
