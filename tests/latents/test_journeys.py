"""Latent journeys: noise loop, keyframes, slerp, the novelty walk, neighbours, favourites."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from live.contracts.features import FeatureFrame
from live.contracts.errors import ConfigError
from live.contracts.state import ShowState
from live.latents.config import (KeyframesConfig, LatentsConfig, NeighboursConfig,
                                 NoveltyWalkConfig)
from live.latents.instrument import Instrument
from live.latents.interpolation import ease, interpolate, slerp
from live.latents.seeds import stream_rng
from tests.latents.conftest import LinearMapping

NUM_WS = 4
ZERO = np.zeros(512, np.float32)


def make(cfg: LatentsConfig, mapping: LinearMapping, fps: int = 30, seed: int = 9,
         tmp_path: Path | None = None) -> Instrument:
    return Instrument(cfg, seed=seed, fps=fps, num_ws=NUM_WS, network_count=1, map_z=mapping,
                      w_avg=ZERO, resolve=lambda p: (tmp_path or Path(".")) / p)


@pytest.mark.parametrize("stops, seconds_per_stop, interpolation", [
    (4, 0.1, "slerp"),       # 3 frames per stop
    (4, 0.35, "linear"),     # 10.5 frames per stop: odd stops fall between frames
    (8, 4.0, "slerp"),       # the default: 120 frames per stop
])
def test_noise_loop_returns_exactly_to_its_start(mapping: LinearMapping, stops: int,
                                                 seconds_per_stop: float,
                                                 interpolation: str) -> None:
    cfg = LatentsConfig(stops=stops, seconds_per_stop=seconds_per_stop,
                        interpolation=interpolation)
    instrument = make(cfg, mapping)
    loop_frames = round(stops * seconds_per_stop * 30)
    state = ShowState()
    first = instrument.frame(0, None, state).ws
    frames = [instrument.frame(k, None, state).ws for k in range(1, 2 * loop_frames + 1)]
    np.testing.assert_array_equal(frames[loop_frames - 1], first)
    np.testing.assert_array_equal(frames[2 * loop_frames - 1], first)
    assert not np.array_equal(frames[loop_frames // 2], first)
    assert mapping.calls == 1   # every stop mapped once, at build time


def test_noise_loop_visits_seeded_stops_along_the_chosen_path(mapping: LinearMapping) -> None:
    cfg = LatentsConfig(stops=3, seconds_per_stop=0.2, interpolation="slerp", ease=True)
    instrument = make(cfg, mapping, fps=10)     # 2 frames per stop
    z = stream_rng(9, "noise_loop").standard_normal((3, 512)).astype(np.float32)
    stops = np.repeat(LinearMapping()(z)[:, None], NUM_WS, axis=1)
    state = ShowState()
    played = [instrument.frame(k, None, state).ws for k in range(7)]
    for k, stop in ((0, 0), (2, 1), (4, 2), (6, 0)):
        np.testing.assert_array_equal(played[k], stops[stop])
    # Halfway between stops 1 and 2: eased t = 0.5, slerp around w_avg (here 0).
    np.testing.assert_allclose(played[3], slerp(stops[1], stops[2], 0.5, ZERO), atol=1e-6)
    # The same seed plays the same show; another seed another.
    again = make(cfg, LinearMapping(), fps=10)
    np.testing.assert_array_equal(again.frame(3, None, state).ws, played[3])
    other = make(cfg, LinearMapping(), fps=10, seed=10)
    assert not np.array_equal(other.frame(3, None, state).ws, played[3])


@settings(max_examples=60, deadline=None, derandomize=True)
@given(seed=st.integers(0, 2**31 - 1), t=st.floats(0.0, 1.0), radius=st.floats(0.1, 50.0))
def test_slerp_keeps_norms_and_turns_evenly(seed: int, t: float, radius: float) -> None:
    rng = np.random.default_rng(seed)
    center = rng.standard_normal(512).astype(np.float32)
    a0, b0 = rng.standard_normal((2, 512))
    a = (center + radius * a0 / np.linalg.norm(a0)).astype(np.float32)
    b = (center + radius * b0 / np.linalg.norm(b0)).astype(np.float32)
    out = slerp(a, b, t, center)
    assert np.linalg.norm(out - center) == pytest.approx(radius, rel=1e-4)
    start, end, now = (np.float64(v) - center for v in (a, b, out))
    assert _angle(start, now) == pytest.approx(t * _angle(start, end), abs=1e-4)


def _angle(u: np.ndarray, v: np.ndarray) -> float:
    """The angle between two vectors, accurate for tiny angles too (unlike arccos of a dot)."""
    u, v = u / np.linalg.norm(u), v / np.linalg.norm(v)
    return float(2 * np.arctan2(np.linalg.norm(u - v), np.linalg.norm(u + v)))


def test_slerp_rows_and_radius_interpolate_linearly() -> None:
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 512)).astype(np.float32)
    b = 3.0 * rng.standard_normal((3, 512)).astype(np.float32)
    out = slerp(a, b, 0.25, ZERO)
    expected = 0.75 * np.linalg.norm(a, axis=1) + 0.25 * np.linalg.norm(b, axis=1)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), expected, rtol=1e-5)
    # Parallel ends take the straight line without dividing by a zero sine.
    np.testing.assert_allclose(slerp(a, 2 * a, 0.5, ZERO), 1.5 * a, rtol=1e-5)
    np.testing.assert_array_equal(interpolate(a, b, 0.0, "slerp", ZERO), a)
    np.testing.assert_array_equal(interpolate(a, b, 1.0, "linear", ZERO), b)
    assert ease(0.0) == 0.0 and ease(1.0) == 1.0 and ease(0.5) == pytest.approx(0.5)


def test_keyframes_from_seeds_and_saved_files(tmp_path: Path, mapping: LinearMapping) -> None:
    saved = np.random.default_rng(1).standard_normal((NUM_WS, 512)).astype(np.float32)
    np.save(tmp_path / "fav.npy", saved)
    np.save(tmp_path / "w.npy", saved[0])
    cfg = LatentsConfig(source="keyframes", interpolation="linear", ease=False,
                        keyframes=KeyframesConfig(points=["seed:42", "fav.npy", "w.npy"],
                                                  seconds_per_transition=1.0, loop=False))
    instrument = make(cfg, mapping, fps=4, tmp_path=tmp_path)
    state = ShowState()
    played = [instrument.frame(k, None, state).ws for k in range(13)]
    # seed:42 is NVIDIA's z for seed 42.
    seed_w = LinearMapping()(np.random.RandomState(42).randn(1, 512).astype(np.float32))[0]
    np.testing.assert_array_equal(played[0], np.repeat(seed_w[None], NUM_WS, axis=0))
    np.testing.assert_allclose(played[1], played[0] + (saved - played[0]) * 0.25, atol=1e-6)
    np.testing.assert_array_equal(played[4], saved)
    np.testing.assert_array_equal(played[12], np.repeat(saved[:1], NUM_WS, axis=0))  # held


@pytest.mark.parametrize("points, message", [
    (["seed:1"], "at least 2 points"),
    (["seed:x", "seed:2"], "not \"seed:N\""),
    (["seed:1", "missing.npy"], r"no such saved W \(.npy\)"),
    (["seed:1", "bad.npy"], "expected floats of shape"),
])
def test_keyframes_refuse_bad_points(tmp_path: Path, points: list[str], message: str) -> None:
    np.save(tmp_path / "bad.npy", np.zeros((3, 512), np.float32))
    cfg = LatentsConfig(source="keyframes", keyframes=KeyframesConfig(points=points))
    with pytest.raises(ConfigError, match=message):
        make(cfg, LinearMapping(), tmp_path=tmp_path)


def test_novelty_walk_advances_on_the_peaks(mapping: LinearMapping) -> None:
    fps = 20
    frames = 200
    # A quiet floor with four bumps; the bump at 75 is too close (0.25 s) to the one at 70.
    novelty = np.full(frames, 0.02)
    for peak in (30, 70, 75, 150):
        novelty[peak - 2: peak + 3] = [0.1, 0.3, 0.6, 0.3, 0.1]
    cfg = LatentsConfig(source="novelty_walk", stops=4, ease=False, interpolation="linear",
                        novelty_walk=NoveltyWalkConfig(peak_threshold=0.2,
                                                       min_seconds_between_peaks=0.5,
                                                       novelty_per_transition=2.0))
    instrument = make(cfg, mapping, fps=fps)
    walk = instrument.journey
    state = ShowState(gain=0.0)   # the walk alone, no spectrum blended in
    targets, played = [], []
    for k in range(frames):
        played.append(instrument.frame(k, FeatureFrame(novelty=float(novelty[k])), state).ws)
        targets.append(walk.target)
    changes = [k for k in range(1, frames) if targets[k] != targets[k - 1]]
    # Each peak is confirmed one frame after its top.
    assert changes == [31, 71, 151]
    assert [targets[k] for k in changes] == [2, 3, 0]
    # Between peaks the position is the novelty summed since the peak over 2.0, capped at 1.
    origin = played[70]
    for k in (80, 100, 140):
        t = min(novelty[71:k + 1].sum() / 2.0, 1.0)
        expected = origin + (walk.points[3] - origin) * np.float32(t)
        np.testing.assert_allclose(played[k], expected, atol=1e-5)
    np.testing.assert_array_equal(played[0], np.broadcast_to(walk.points[0], (NUM_WS, 512)))


def test_neighbours_step_on_time_and_glide_between(mapping: LinearMapping) -> None:
    cfg = LatentsConfig(source="neighbours", ease=False, interpolation="linear",
                        neighbours=NeighboursConfig(sigma=0.2, seconds_per_step=0.5))
    instrument = make(cfg, mapping, fps=10)     # 5 frames per step
    walk = instrument.journey
    assert mapping.calls == 2   # the start and its first neighbour
    state = ShowState()
    for k in range(21):
        ws = instrument.frame(k, None, state).ws
        assert walk.phase == pytest.approx((k % 5) / 5, abs=1e-9)
        glide = walk.w_from + (walk.w_next - walk.w_from) * walk.phase   # one shared row
        np.testing.assert_allclose(ws, np.broadcast_to(glide, ws.shape), atol=1e-6)
        if k % 5 == 4:
            heading_to = walk.w_next.copy()
        if k and k % 5 == 0:
            # Each step starts exactly where the previous one was heading.
            np.testing.assert_array_equal(ws, np.broadcast_to(heading_to, ws.shape))
    assert walk.steps == 4 and mapping.calls == 6   # one mapping per step, never per frame
    assert np.linalg.norm(walk.z_next) == pytest.approx(np.sqrt(512), rel=1e-5)

    still = make(LatentsConfig(source="neighbours", neighbours=NeighboursConfig(sigma=0.0)),
                 LinearMapping(), fps=10)
    resting = ShowState(neighbours_sigma=0.0)   # the show starts it from the config
    first = still.frame(0, None, resting).ws
    np.testing.assert_allclose(still.frame(50, None, resting).ws, first, atol=1e-5)


def test_save_favourite_becomes_a_keyframe(tmp_path: Path, mapping: LinearMapping) -> None:
    instrument = make(LatentsConfig(), mapping)
    state = ShowState(gain=0.9, truncation_psi=0.5)
    for k in range(37):
        instrument.frame(k, FeatureFrame(spectrum=np.ones(512, np.float32)), state)
    written = instrument.save_favourite(tmp_path / "favourites")  # the folder is made
    again = instrument.save_favourite(tmp_path / "favourites")    # same frame: a new file
    assert written.parent == again.parent == tmp_path / "favourites" and written != again
    assert "frame0000036" in written.name and written.suffix == ".npy"
    cfg = LatentsConfig(source="keyframes", interpolation="linear",
                        keyframes=KeyframesConfig(points=[f"favourites/{written.name}", "seed:1"]))
    replay = make(cfg, LinearMapping(), tmp_path=tmp_path)
    # The journey's W+ before truncation and blend: replayed with psi 1 and no audio it is exact.
    journey_ws = np.broadcast_to(instrument.journey_ws, (NUM_WS, 512))
    np.testing.assert_array_equal(replay.frame(0, None, ShowState()).ws, journey_ws)
    np.testing.assert_array_equal(np.load(again), journey_ws)
