"""The instrument's audio-to-picture and latent parameters, each checked against its formula
through :meth:`Instrument.frame`, and a scripted performance that repeats exactly."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from live.contracts.features import FeatureFrame
from live.contracts.state import ShowState
from live.latents.blend import BAND_EDGES
from live.latents.config import LatentsConfig, NeighboursConfig
from live.latents.instrument import BEAT_MOVES, Instrument
from live.latents.selection import MODES
from tests.latents.conftest import LinearMapping

NUM_WS = 10
FPS = 10


def make(cfg: LatentsConfig | None = None, network_count: int = 1,
         directions: np.ndarray | None = None) -> Instrument:
    return Instrument(cfg or LatentsConfig(), seed=4, fps=FPS, num_ws=NUM_WS,
                      network_count=network_count, map_z=LinearMapping(),
                      w_avg=np.zeros(512, np.float32), resolve=Path, directions=directions)


def heard(seed: int = 0, onset: bool = False) -> FeatureFrame:
    spectrum = np.random.default_rng(seed).random(512).astype(np.float32)
    return FeatureFrame(spectrum=spectrum, onset_event=onset)


def test_band_gains_weigh_the_spectrums_bands_before_the_blend() -> None:
    cfg = LatentsConfig(fft_amplitude_range=[-2.0, 2.0])
    silent, played = make(cfg), make(cfg)
    state = ShowState(gain=1.0, low_gain=0.0, mid_gain=2.0, high_gain=0.5)
    frame = heard(1)
    journey = silent.frame(0, None, state).ws
    ws = played.frame(0, frame, state).ws
    low, mid, high = (slice(a, b) for a, b in zip(BAND_EDGES, BAND_EDGES[1:]))
    weights = np.zeros(512, np.float32)
    weights[low], weights[mid], weights[high] = 0.0, 2.0, 0.5
    # alpha 1: every blended row is the vector itself, each band's energy weighed.
    np.testing.assert_allclose(ws, np.broadcast_to(-2.0 + frame.spectrum * weights * 4.0,
                                                   ws.shape), atol=1e-6)
    assert not np.array_equal(ws, journey)
    np.testing.assert_array_equal(ws[:, low], -2.0)   # a band at 0 sits where silence does


def test_blend_depth_is_played_from_the_state() -> None:
    silent, played = make(), make()
    journey = silent.frame(0, None, ShowState()).ws
    ws = played.frame(0, heard(), ShowState(gain=0.6, blend_depth=3.4)).ws   # whole rows: 3
    assert not np.allclose(ws[:3], journey[:3])
    np.testing.assert_array_equal(ws[3:], journey[3:])


def test_direction_knobs_push_every_row_along_the_frames_networks_directions() -> None:
    directions = np.random.default_rng(2).standard_normal((2, 8, 512)).astype(np.float32)
    rest, pushed = make(network_count=2, directions=directions), \
        make(network_count=2, directions=directions)
    knobs = {"direction_1": 1.5, "direction_3": -2.0, "direction_8": 0.5}
    for network in (0, 1):
        base = rest.frame(network, None, ShowState(network=network)).ws
        ws = pushed.frame(network, None, ShowState(network=network, **knobs)).ws
        push = 1.5 * directions[network, 0] - 2.0 * directions[network, 2] \
            + 0.5 * directions[network, 7]
        np.testing.assert_allclose(ws - base, np.broadcast_to(push, ws.shape), atol=1e-5)


def test_onset_punch_pushes_along_direction_one_and_decays() -> None:
    directions = np.random.default_rng(3).standard_normal((1, 8, 512)).astype(np.float32)
    rest, punched = make(directions=directions), make(directions=directions)
    state = ShowState(freeze=True, gain=0.0, onset_push=2.0, onset_decay=0.25)
    onsets = [False, True, False, False, True, False]
    expected_level, levels = 0.0, []
    for k, onset in enumerate(onsets):
        # Both hear the same silence (blended alike): the difference is the push alone.
        base = rest.frame(k, FeatureFrame(), state).ws
        ws = punched.frame(k, FeatureFrame(onset_event=onset), state).ws
        expected_level = 1.0 if onset else expected_level * math.exp(-1 / FPS / 0.25)
        levels.append(expected_level)
        np.testing.assert_allclose(ws - base, np.broadcast_to(
            2.0 * expected_level * directions[0, 0], ws.shape), atol=1e-5, err_msg=f"frame {k}")
    assert levels[0] == 0.0 and levels[1] == 1.0 and 0 < levels[3] < levels[2] < 1.0


def test_beat_moves_step_the_journey_jump_cues_and_move_networks_on() -> None:
    cfg = LatentsConfig(stops=4, seconds_per_stop=2.0, cues=[0.0, 3.0, 5.0])
    instrument = make(cfg, network_count=3)
    every_two = {"beat_every": 2.0, "freeze": True}
    state = ShowState(beat_move=BEAT_MOVES.index("step"), **every_two)
    for k in range(1, 5):                      # one beat a frame: a step every other frame
        instrument.frame(k, None, state, beats=1)
        assert instrument.clock == pytest.approx(2.0 * (k // 2))
    state = ShowState(beat_move=BEAT_MOVES.index("cue"), **every_two)
    clocks = []
    for k in range(5, 13):
        instrument.frame(k, None, state, beats=1)
        clocks.append(instrument.clock)
    # The new setting counts from the next beat; cues go round: 3, 5, 0, 3.
    assert clocks == pytest.approx([4, 3, 3, 5, 5, 0, 0, 3])
    state = ShowState(beat_move=BEAT_MOVES.index("network"), network=1, **every_two)
    networks = [instrument.frame(k, None, state, beats=3).network for k in range(13, 17)]
    assert networks == [2, 1, 2, 1]     # 3 beats a frame, a move every 2: 1, 3, 4, 6 on from 1
    still = ShowState(freeze=True)             # beat_every 0: no moves, whatever the beats
    assert instrument.frame(17, None, still, beats=8).network == 0


def test_style_mix_takes_rows_from_mix_row_on_from_the_next_cue() -> None:
    cfg = LatentsConfig(stops=4, seconds_per_stop=1.0, cues=[0.0, 2.5], ease=False)
    instrument, cue_view = make(cfg), make(cfg)
    cue_view.jump_to_cue(1)
    at_cue = cue_view.frame(1, None, ShowState()).ws
    for k in range(1, 8):
        plain = instrument.frame(k, None, ShowState()).ws
    mixed = make(cfg)
    for k in range(1, 8):
        ws = mixed.frame(k, None, ShowState(mix=0.5, mix_row=4)).ws
    np.testing.assert_array_equal(ws[:4], plain[:4])
    np.testing.assert_allclose(ws[4:], plain[4:] + (at_cue[4:] - plain[4:]) * 0.5, atol=1e-6)
    assert not np.allclose(ws[4:], plain[4:])


def test_neighbours_sigma_and_selection_are_played_from_the_state() -> None:
    cfg = LatentsConfig(source="neighbours", neighbours=NeighboursConfig(seconds_per_step=1.0))
    walk = make(cfg)
    stepping = ShowState(freeze=True, beat_every=1.0, neighbours_sigma=0.0)
    walk.frame(1, None, stepping, beats=1)     # the neighbour drawn at start is still ahead
    first = walk.frame(2, None, stepping, beats=1).ws
    for k in range(3, 6):                      # sigma 0: every step lands where it was
        np.testing.assert_allclose(walk.frame(k, None, stepping, beats=1).ws, first, atol=1e-5)
    assert walk.journey.steps == 5
    moving = ShowState(freeze=True, beat_every=1.0, neighbours_sigma=1.0)
    walk.frame(6, None, moving, beats=1)
    assert not np.allclose(walk.frame(7, None, moving, beats=1).ws, first, atol=1e-3)

    selecting = make(LatentsConfig(), network_count=3)
    loud = FeatureFrame(rms=1.0)
    manual = selecting.frame(1, loud, ShowState(network=1))
    by_level = selecting.frame(2, loud, ShowState(network=1,
                                                  selection=MODES.index("loudness")))
    assert (manual.network, manual.crossfade_to) == (1, -1)
    # The smoothed level of full-scale audio is on its way up: network 1 fading to the loudest.
    assert (by_level.network, by_level.crossfade_to) == (1, 2) and by_level.crossfade > 0.5


def performance(instrument: Instrument) -> list[np.ndarray]:
    """A scripted minute of the new parameters, every frame's W+."""
    rng = np.random.default_rng(11)
    played = []
    for k in range(0, 120):
        state = ShowState(
            gain=0.7, low_gain=0.5 + k / 120, mid_gain=1.5, high_gain=0.2,
            blend_depth=4 + k % 6, onset_push=1.5, onset_decay=0.2,
            beat_every=2.0 if k < 60 else 1.0, beat_move=(k // 40) % 3, direction_2=1.0,
            direction_5=-k / 60, mix=0.7, mix_row=5, neighbours_sigma=0.5,
            selection=MODES.index("loudness") if k > 90 else 0, network=k // 30 % 2)
        features = FeatureFrame(spectrum=rng.random(512).astype(np.float32),
                                rms=float(rng.random()), onset_event=bool(rng.random() < 0.1))
        played.append(instrument.frame(k, features, state, beats=int(k % 5 == 0)).ws)
    return played


def test_a_performance_of_the_new_parameters_repeats_exactly() -> None:
    cfg = LatentsConfig(stops=5, seconds_per_stop=1.5, cues=[0.0, 4.0])
    first, again = performance(make(cfg, 2)), performance(make(cfg, 2))
    for k, (a, b) in enumerate(zip(first, again)):
        np.testing.assert_array_equal(a, b, err_msg=f"frame {k}")
    assert len({float(ws.mean()) for ws in first}) > 100   # it did play
