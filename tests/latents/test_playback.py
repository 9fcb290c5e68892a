"""A GANce projection file played by the Instrument: the right latent at the right time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from live.contracts.errors import ConfigError
from live.contracts.state import ShowState
from live.latents.config import LatentsConfig, ProjectionConfig
from live.latents.instrument import Instrument
from live.latents.projection import ProjectionFileError
from tests.latents.conftest import LinearMapping, write_gance_file, w_rows

NUM_WS = 6


def projection_instrument(tmp_path: Path, show_fps: int, projection_fps: float, count: int,
                          **projection: object) -> tuple[Instrument, np.ndarray]:
    latents = w_rows(count, NUM_WS, seed=count)
    write_gance_file(tmp_path / "song.hdf5", latents, projection_fps)
    cfg = LatentsConfig(source="projection",
                        projection=ProjectionConfig(file="song.hdf5", **projection))
    instrument = Instrument(cfg, seed=0, fps=show_fps, num_ws=NUM_WS, network_count=1,
                            map_z=LinearMapping(), w_avg=np.zeros(512, np.float32),
                            resolve=lambda p: tmp_path / p)
    return instrument, latents


@pytest.mark.parametrize("show_fps, projection_fps", [
    (30, 30), (30, 15), (30, 10), (60, 30), (24, 24), (15, 30), (30, 60), (25, 12.5),
])
def test_plays_the_latent_of_each_show_frame(tmp_path: Path, show_fps: int,
                                             projection_fps: float) -> None:
    count = 7
    instrument, latents = projection_instrument(tmp_path, show_fps, projection_fps, count)
    state = ShowState()
    for k in range(4 * show_fps):
        # Frame k shows at k / show_fps s, inside projected frame floor(k * P / S), looped.
        expected = int(k * projection_fps // show_fps) % count
        ws = instrument.frame(k, None, state).ws
        np.testing.assert_array_equal(ws, latents[expected], err_msg=f"frame {k}")


@pytest.mark.parametrize("at_end, expected", [
    ("loop", [0, 1, 2, 3, 0, 1, 2, 3, 0, 1]),
    ("ping_pong", [0, 1, 2, 3, 2, 1, 0, 1, 2, 3]),
    ("hold", [0, 1, 2, 3, 3, 3, 3, 3, 3, 3]),
])
def test_end_of_file_behaviour(tmp_path: Path, at_end: str, expected: list[int]) -> None:
    instrument, latents = projection_instrument(tmp_path, 10, 10, 4, at_end=at_end)
    state = ShowState()
    played = [_which(instrument.frame(k, None, state).ws, latents) for k in range(10)]
    assert played == expected


def test_speed_freeze_and_cues_move_the_playhead(tmp_path: Path) -> None:
    instrument, latents = projection_instrument(tmp_path, 10, 10, 20, at_end="hold")
    instrument.cfg.cues = [0.0, 1.5]
    state = ShowState(speed=2.0)
    assert [_which(instrument.frame(k, None, state).ws, latents) for k in range(4)] == [0, 2, 4, 6]
    state.freeze = True
    assert [_which(instrument.frame(k, None, state).ws, latents) for k in (4, 5)] == [6, 6]
    state.freeze, state.speed = False, -1.0
    assert _which(instrument.frame(6, None, state).ws, latents) == 5
    assert instrument.jump_to_cue(1) and not instrument.jump_to_cue(2)
    state.speed, state.freeze = 1.0, True
    # Frozen, the cue still shows: 1.5 s = latent 15.
    assert _which(instrument.frame(6, None, state).ws, latents) == 15
    state.freeze = False
    # The next frame plays on from the cue.
    assert _which(instrument.frame(7, None, state).ws, latents) == 16
    # A skipped frame index still advances by its show time.
    assert _which(instrument.frame(10, None, state).ws, latents) == 19


def test_interpolated_playback_blends_neighbours(tmp_path: Path) -> None:
    instrument, latents = projection_instrument(tmp_path, 30, 24, 10, interpolate=True)
    state = ShowState()
    for k in range(40):
        position = k * 24 / 30
        first = int(np.floor(position + 1e-9))
        weight = position - first
        expected = latents[first % 10] + (latents[(first + 1) % 10] - latents[first % 10]) * weight
        np.testing.assert_allclose(instrument.frame(k, None, state).ws, expected, atol=1e-6)


def test_refuses_fps_that_does_not_fit(tmp_path: Path) -> None:
    with pytest.raises(ProjectionFileError, match="projection fps 24 does not fit show fps 30"):
        projection_instrument(tmp_path, 30, 24, 5)


def test_refuses_other_num_ws_and_missing_file_key(tmp_path: Path) -> None:
    write_gance_file(tmp_path / "big.hdf5", w_rows(3, 18), 30)
    cfg = LatentsConfig(source="projection", projection=ProjectionConfig(file="big.hdf5"))
    with pytest.raises(ProjectionFileError, match="latents have 18 W\\+ rows .* have 12"):
        Instrument(cfg, 0, 30, 12, 1, LinearMapping(), np.zeros(512, np.float32),
                   lambda p: tmp_path / p)
    with pytest.raises(ConfigError, match="\\[latents.projection\\] file"):
        Instrument(LatentsConfig(source="projection"), 0, 30, 12, 1, LinearMapping(),
                   np.zeros(512, np.float32), lambda p: tmp_path / p)


def _which(ws: np.ndarray, latents: np.ndarray) -> int:
    """The index of the latent ``ws`` is exactly equal to."""
    (matches,) = np.nonzero(np.all(latents == ws, axis=(1, 2)))
    assert len(matches) == 1
    return int(matches[0])
