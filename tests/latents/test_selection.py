"""Network selection: each mode's network sequence for a scripted performance."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from live.contracts.features import FeatureFrame
from live.contracts.errors import ConfigError
from live.contracts.state import ShowState
from live.latents.config import LatentsConfig, SelectionConfig
from live.latents.instrument import Instrument
from live.latents.selection import MODES, NetworkSelector
from tests.latents.conftest import LinearMapping

FRAME = 1 / 30


def playing(mode: str) -> ShowState:
    """The show state with selection mode ``mode`` (the config only starts it)."""
    return ShowState(selection=MODES.index(mode))


def test_manual_follows_the_controller_through_the_instrument() -> None:
    instrument = Instrument(LatentsConfig(), seed=0, fps=30, num_ws=4, network_count=4,
                            map_z=LinearMapping(), w_avg=np.zeros(512, np.float32), resolve=Path)
    script = [  # (network, crossfade, crossfade_to) -> (network, crossfade_to, crossfade)
        ((0, 0.0, 1), (0, -1, 0.0)),
        ((2, 0.0, 1), (2, -1, 0.0)),
        ((2, 0.4, 3), (2, 3, 0.4)),
        ((2, 1.0, 3), (2, 3, 1.0)),
        ((3, 0.5, 3), (3, -1, 0.0)),   # a crossfade onto itself is no crossfade
    ]
    for k, ((network, crossfade, to), expected) in enumerate(script):
        state = ShowState(network=network, crossfade=crossfade, crossfade_to=to)
        out = instrument.frame(k, None, state)
        assert (out.network, out.crossfade_to, out.crossfade) == expected


@pytest.mark.parametrize("crossfade, expected", [
    (False, [2, 0, 1, 2, 1]),   # thirds of the range: quiet, middle, loud
    (True, [(2, -1, 0.0), (0, -1, 0.0), (1, -1, 0.0), (2, 0, 0.5), (0, 1, 0.5)]),
])
def test_loudness_maps_level_onto_the_list(crossfade: bool, expected: list) -> None:
    cfg = SelectionConfig(mode="loudness", networks=[2, 0, 1], loudness_db_range=[-40.0, 0.0],
                          loudness_smoothing_seconds=0.0, loudness_crossfade=crossfade)
    selector = NetworkSelector(cfg, network_count=3, seed=0)
    # -40 dB (quietest), -20 dB (middle), 0 dB (loudest), -30 dB, -10 dB
    levels = [0.01, 0.1, 1.0, 10 ** (-30 / 20), 10 ** (-10 / 20)]
    got = [selector.select(FRAME, FeatureFrame(rms=rms), playing("loudness")) for rms in levels]
    if crossfade:
        assert [(g.network, g.crossfade_to) for g in got] == [e[:2] for e in expected]
        assert [g.crossfade for g in got] == pytest.approx([e[2] for e in expected], abs=1e-9)
    else:
        assert [g.network for g in got] == expected
        assert all(g.crossfade_to == -1 for g in got)


def test_loudness_smoothing_follows_a_step_with_its_time_constant() -> None:
    cfg = SelectionConfig(mode="loudness", loudness_smoothing_seconds=0.5)
    selector = NetworkSelector(cfg, network_count=2, seed=0)
    for _ in range(15):   # 0.5 s: one time constant
        selector.select(FRAME, FeatureFrame(rms=0.8), playing("loudness"))
    assert selector.smoothed_rms == pytest.approx(0.8 * (1 - math.exp(-1.0)), rel=1e-9)
    # Without audio the level decays toward silence.
    selector.select(FRAME, None, playing("loudness"))
    assert selector.smoothed_rms < 0.8 * (1 - math.exp(-1.0))


def test_shuffle_every_n_onsets_with_weights() -> None:
    # Weight 0 on network 1: from 0 the only other choice is 2, from 2 only 0.
    cfg = SelectionConfig(mode="shuffle", networks=[0, 1, 2], shuffle_every=2,
                          shuffle_weights=[1.0, 0.0, 1.0])
    selector = NetworkSelector(cfg, network_count=3, seed=5)
    onsets = [0, 1, 0, 1, 0, 0, 1, 1, 0, 1, 1, 1]
    got = [selector.select(FRAME, FeatureFrame(onset_event=bool(o), beat_event=True),
                           playing("shuffle")).network for o in onsets]
    assert got == [0, 0, 0, 2, 2, 2, 2, 0, 0, 0, 2, 2]


def test_shuffle_on_beats_is_seeded_and_always_changes() -> None:
    cfg = SelectionConfig(mode="shuffle", shuffle_on="beat", shuffle_every=1)

    def run(seed: int) -> list[int]:
        selector = NetworkSelector(cfg, network_count=4, seed=seed)
        return [selector.select(FRAME, FeatureFrame(beat_event=True, onset_event=False),
                                playing("shuffle")).network for _ in range(40)]

    first = run(11)
    assert first == run(11) and first != run(12)
    assert all(a != b for a, b in zip(first, first[1:]))
    assert set(first) == {0, 1, 2, 3}


@pytest.mark.parametrize("cfg, message", [
    (SelectionConfig(networks=[0, 4]), "index 4 is out of range"),
    (SelectionConfig(mode="shuffle", shuffle_weights=[1.0]), "expected 3 non-negative"),
    (SelectionConfig(mode="loudness", loudness_db_range=[0.0, -10.0]), "quiet < loud"),
])
def test_refuses_bad_selection_config(cfg: SelectionConfig, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        NetworkSelector(cfg, network_count=3, seed=0)
