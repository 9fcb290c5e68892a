"""Semantic directions: the PCA finds a mapping's known axes, and the cache is kept by the
mapping's hash (beside the network, and in the user cache)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from live.latents.directions import (COUNT, SUFFIX, cached_directions, fingerprint,
                                     principal_directions)

SCALES = np.array([5.0, 4.0, 3.0, 2.5, 2.0, 1.6, 1.3, 1.1], np.float32)


class AxesMapping:
    """W = z scaled along eight known orthonormal axes (spread SCALES) plus a little noise
    elsewhere and an offset; counts its calls."""

    def __init__(self) -> None:
        rng = np.random.default_rng(5)
        self.axes = np.linalg.qr(rng.standard_normal((512, 512)))[0][:, :COUNT].T  # [8, 512]
        self.offset = rng.standard_normal(512).astype(np.float32)
        self.calls = 0

    def __call__(self, z: np.ndarray) -> np.ndarray:
        self.calls += 1
        return (self.offset + (z[:, :COUNT] * SCALES) @ self.axes + 0.1 * z).astype(np.float32)


def test_pca_finds_the_mappings_axes_scaled_by_their_spread() -> None:
    mapping = AxesMapping()
    directions = principal_directions(mapping)
    assert directions.shape == (COUNT, 512) and directions.dtype == np.float32
    assert mapping.calls == 10   # 10k z in batches of 1000
    lengths = np.linalg.norm(directions, axis=1)
    np.testing.assert_allclose(lengths, np.sqrt(SCALES ** 2 + 0.1 ** 2), rtol=0.03)
    alignment = np.abs(np.sum(directions / lengths[:, None] * mapping.axes, axis=1))
    assert np.all(alignment > 0.98), alignment   # 10k samples: close spreads mix a little
    # Seeded and sign-fixed: the same directions every time.
    np.testing.assert_array_equal(principal_directions(AxesMapping()), directions)


def test_the_cache_is_beside_the_network_and_in_the_user_cache(tmp_path: Path) -> None:
    network = tmp_path / "nets" / "faces.pkl"
    network.parent.mkdir()
    network.write_bytes(b"network")
    user_cache = tmp_path / "user"
    mapping = AxesMapping()
    key = fingerprint([mapping.axes, mapping.offset])
    first = cached_directions(network, key, user_cache, mapping)
    assert mapping.calls == 10
    assert (tmp_path / "nets" / f"faces.pkl{SUFFIX}").is_file()
    assert (user_cache / f"{key}{SUFFIX}").is_file()
    np.testing.assert_array_equal(cached_directions(network, key, user_cache, mapping), first)
    assert mapping.calls == 10   # read back, not computed
    # A copy of the network elsewhere (or a demo, which has no file) finds the user cache.
    cached_directions(None, key, user_cache, mapping)
    cached_directions(tmp_path / "faces-copy.pkl", key, user_cache, mapping)
    assert mapping.calls == 10
    # Another mapping (the file changed) computes its own.
    changed = fingerprint([mapping.axes, mapping.offset + 1])
    assert changed != key
    cached_directions(network, changed, user_cache, mapping)
    assert mapping.calls == 20


def test_a_cache_that_cannot_be_written_is_logged_and_the_show_goes_on(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    mapping = AxesMapping()
    with caplog.at_level(logging.WARNING):
        directions = cached_directions(None, "k", blocked / "cache", mapping)
    assert directions.shape == (COUNT, 512)
    assert "semantic directions not cached" in caplog.text


def test_a_mapping_drawing_nan_has_no_directions(caplog: pytest.LogCaptureFixture) -> None:
    def broken(z: np.ndarray) -> np.ndarray:
        return np.full(z.shape, np.nan, np.float32)
    with caplog.at_level(logging.WARNING):
        directions = principal_directions(broken, samples=100)
    np.testing.assert_array_equal(directions, np.zeros((COUNT, 512), np.float32))
    assert "NaN/inf" in caplog.text
