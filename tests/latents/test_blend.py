"""GANce's audio blend and truncation, checked against their formulas through the Instrument."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from live.contracts.features import FeatureFrame
from live.contracts.state import ShowState
from live.latents.blend import blend_spectrum, gain_to_alpha, spectrum_vector, truncate
from live.latents.config import LatentsConfig
from live.latents.instrument import Instrument
from tests.latents.conftest import LinearMapping

NUM_WS = 18


def features(seed: int = 0, rms: float = 0.0) -> FeatureFrame:
    spectrum = np.random.default_rng(seed).random(512).astype(np.float32)
    return FeatureFrame(spectrum=spectrum, rms=rms)


def make(cfg: LatentsConfig, w_avg: np.ndarray | None = None) -> Instrument:
    w_avg = np.zeros(512, np.float32) if w_avg is None else w_avg
    return Instrument(cfg, seed=3, fps=30, num_ws=NUM_WS, network_count=2, map_z=LinearMapping(),
                      w_avg=w_avg, resolve=Path)


@pytest.mark.parametrize("gain, curve, depth", [(0.5, 1.0, 18), (0.3, 2.0, 8), (1.0, 1.0, 4),
                                                (0.7, 1.0, 0), (0.8, 1.5, 40)])
def test_blend_matches_gance_formula(gain: float, curve: float, depth: int) -> None:
    cfg = LatentsConfig(gain_curve=curve, fft_amplitude_range=[-3.0, 5.0])
    silent, playing = make(cfg), make(cfg)
    state = ShowState(gain=gain, blend_depth=depth)   # the show starts it from the config
    frame = features(seed=1)
    for k in range(5):
        journey = silent.frame(k, None, state)
        blended = playing.frame(k, frame, state)

    alpha = gain ** curve
    vector = -3.0 + frame.spectrum * 8.0
    rows = min(depth, NUM_WS)
    expected = journey.ws.copy()
    expected[:rows] = journey.ws[:rows] * (1 - alpha) + vector * alpha
    np.testing.assert_allclose(blended.ws, expected, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(blended.ws[rows:], journey.ws[rows:])
    assert blended.gain == pytest.approx(alpha) and journey.gain == 0.0
    assert blended.ws.dtype == np.float32 and blended.ws.shape == (NUM_WS, 512)


def test_truncation_pulls_toward_w_avg_before_the_blend() -> None:
    w_avg = np.linspace(-1, 1, 512, dtype=np.float32)
    cfg = LatentsConfig()
    plain, truncated = make(cfg, w_avg), make(cfg, w_avg)
    frame = features(seed=2)
    psi, gain = 0.6, 0.25
    out_plain = plain.frame(0, None, ShowState(gain=gain))
    out = truncated.frame(0, frame, ShowState(gain=gain, truncation_psi=psi))
    vector = -4.0 + frame.spectrum * 8.0   # the default fft_amplitude_range
    expected = (w_avg + psi * (out_plain.ws - w_avg)) * (1 - gain) + vector * gain
    np.testing.assert_allclose(out.ws, expected, rtol=1e-5, atol=1e-5)


def test_rms_roll_slides_the_vector_by_loudness_times_time() -> None:
    cfg = LatentsConfig(rms_roll=60.0)
    instrument = make(cfg)
    state = ShowState(gain=1.0)
    frame = features(seed=5, rms=0.5)
    for k in range(31):     # 30 frame intervals = 1 s at 0.5 RMS x 60 cells/s = 30 cells
        out = instrument.frame(k, frame, state)
    np.testing.assert_allclose(out.ws[0], np.roll(-4.0 + frame.spectrum * 8.0, 30), atol=1e-6)


def test_blend_helpers_edge_cases() -> None:
    ws = np.ones((3, 512), np.float32)
    assert blend_spectrum(ws, np.zeros(512, np.float32), 0.0, 3) is not ws
    np.testing.assert_array_equal(blend_spectrum(ws, np.zeros(512, np.float32), 1.0, 2)[:2], 0.0)
    assert truncate(ws, np.zeros(512, np.float32), 1.0) is ws
    assert gain_to_alpha(1.5, 2.0) == 1.0 and gain_to_alpha(0.5, 2.0) == 0.25
    np.testing.assert_array_equal(spectrum_vector(np.ones(512, np.float32), [0.0, 2.0], 512), 2.0)
