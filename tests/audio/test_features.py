"""Features on synthetic signals: every number checked against what the signal must give."""

from __future__ import annotations

import math

import numpy as np
import pytest
import soundfile
from hypothesis import given, settings
from hypothesis import strategies as st

from live.audio.errors import AudioInputError
from live.audio.features import (FeatureExtractor, FeatureTrack, analyze_file, analyze_signal,
                                 band_edges, band_matrix, beat_offset, estimate_tempo, hops,
                                 total_variation)
from live.contracts.features import SPECTRUM_SIZE

RATE = 48000
HOP = 512


def sine(freq: float, seconds: float, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def click_train(times: list[float], seconds: float) -> np.ndarray:
    signal = np.zeros(int(seconds * RATE), np.float32)
    for t in times:
        signal[int(t * RATE)] = 1.0
    return signal


def run(signal: np.ndarray, **options) -> list:
    extractor = FeatureExtractor(RATE, HOP, 2048, **options)
    return [extractor.process(block, time=(i + 1) * HOP / RATE)
            for i, block in enumerate(hops(signal, HOP))]


@pytest.mark.parametrize("band", range(8))
def test_a_sine_lands_in_its_band(band):
    edges = band_edges(8, 40.0, 16000.0)
    centre = math.sqrt(edges[band] * edges[band + 1])
    frame = run(sine(centre, 1.0))[-1]
    assert int(np.argmax(frame.bands)) == band
    assert frame.bands[band] > 0.9      # -6 dBFS sine: near the top of the 80 dB range
    # Hann leakage reaches the neighbouring band at most; bands further off stay far below.
    far = [b for b in range(8) if abs(b - band) >= 2]
    assert frame.bands[far].max() < frame.bands[band] - 0.3


def test_a_sine_peaks_at_its_place_in_the_gance_vector():
    freq = 3000.0
    frame = run(sine(freq, 1.0))[-1]
    # 512 values spread evenly from 0 Hz to Nyquist
    expected = freq / (RATE / 2) * (SPECTRUM_SIZE - 1)
    assert abs(int(np.argmax(frame.spectrum)) - expected) <= 1.0
    assert frame.spectrum.max() == pytest.approx(1.0, abs=0.02)


def test_rms_of_a_sine_and_its_decibels():
    frame = run(sine(440.0, 1.0, amplitude=0.5), attack=0.0, release=0.0)[-2]  # last is padded
    assert frame.rms == pytest.approx(0.5 / math.sqrt(2), rel=0.02)
    assert frame.rms_db == pytest.approx(20 * math.log10(0.5 / math.sqrt(2)), abs=0.2)


def test_silence_gives_zeros_and_no_nan():
    frames = run(np.zeros(RATE, np.float32))
    for frame in frames:
        assert frame.rms == 0.0 and frame.rms_db == -80.0
        assert not frame.bands.any() and not frame.spectrum.any()
        assert frame.onset == 0.0 and frame.novelty == 0.0 and not frame.onset_event
        assert frame.tempo == 0.0 and not frame.beat_event


def test_a_click_train_gives_onsets_within_one_hop():
    clicks = [0.25, 0.5, 0.8, 1.1, 1.4, 1.65, 2.0]
    frames = run(click_train(clicks, 2.5))
    found = [f.time for f in frames if f.onset_event]
    assert len(found) == len(clicks)
    for click, onset in zip(clicks, found):
        # the hop holding the click, or the next one (a click at a hop's very end is barely
        # inside the Hann window yet)
        assert click <= onset <= click + 2 * HOP / RATE


def test_onsets_closer_than_the_minimum_interval_merge():
    frames = run(click_train([0.5, 0.52], 1.0), onset_min_interval=0.06)
    assert sum(f.onset_event for f in frames) == 1


def test_onset_strength_rises_at_a_click_and_decays_after():
    frames = run(click_train([0.5], 1.5))
    strengths = np.array([f.onset for f in frames])
    peak = int(np.argmax(strengths))
    assert 0.5 <= frames[peak].time <= 0.5 + 3 * HOP / RATE
    assert strengths[peak] > 0.5
    assert strengths[-1] < 0.01 * strengths[peak]


def test_the_gance_vector_has_the_right_shape_and_range():
    rng = np.random.default_rng(1)
    noise = (0.3 * rng.standard_normal(RATE)).astype(np.float32)
    for frame in run(noise):
        assert frame.spectrum.shape == (SPECTRUM_SIZE,) and frame.spectrum.dtype == np.float32
        assert frame.spectrum.min() >= 0.0 and frame.spectrum.max() <= 1.0
        assert frame.bands.shape == (8,)


def test_running_peak_normalises_a_quiet_signal_up():
    quiet = run(sine(1000.0, 1.0, amplitude=0.001))[-1]   # -60 dBFS
    assert quiet.spectrum.max() == pytest.approx(1.0, abs=0.02)


def test_running_peak_falls_after_a_loud_passage():
    signal = np.concatenate([sine(1000.0, 0.5, 0.9), sine(1000.0, 3.0, 0.009)])  # -40 dB step
    frames = run(signal, spectrum_peak_release=1.0, attack=0.0, release=0.0)
    just_after = next(f for f in frames if f.time > 0.6)
    assert just_after.spectrum.max() < 0.6      # the old peak still holds the quiet tone down
    assert frames[-1].spectrum.max() == pytest.approx(1.0, abs=0.02)  # recovered after ~2 s


def test_novelty_is_zero_for_a_steady_tone_and_high_at_a_change():
    frames = run(np.concatenate([sine(300.0, 1.0), sine(6000.0, 1.0)]), attack=0.0,
                 release=0.0)
    steady = [f.novelty for f in frames if 0.6 < f.time < 0.95]
    change = max(f.novelty for f in frames if 0.99 < f.time < 1.1)
    assert max(steady) < 0.02
    assert change > 0.3


def test_total_variation_bounds():
    a, b = np.array([1.0, 0.0, 0.0]), np.array([0.0, 0.0, 5.0])
    assert total_variation(a, a * 3) == 0.0
    assert total_variation(a, b) == pytest.approx(1.0)
    assert total_variation(np.zeros(3), np.zeros(3)) == 0.0


def test_tempo_of_a_120_bpm_click_train_and_its_beat_phase():
    beats = list(np.arange(0.1, 8.0, 0.5))
    frames = run(click_train(beats, 8.0))
    late = [f for f in frames if f.time > 5.0]
    assert all(f.tempo == pytest.approx(120.0, abs=2.0) for f in late)
    events = [f.time for f in late if f.beat_event]
    assert len(events) >= 5
    for t in events:  # each beat event within two hops after a click
        assert min(abs(t - b - HOP / RATE) for b in beats) <= 2 * HOP / RATE
    for f in late:   # phase near 0 right after a beat, growing toward 1 before the next
        since = min((f.time - b) % 0.5 for b in beats)
        assert abs(f.beat_phase - since / 0.5) < 0.1 or abs(f.beat_phase - since / 0.5) > 0.9


def test_estimate_tempo_prefers_the_beat_over_its_octaves():
    hops_per_second = RATE / HOP
    envelope = np.zeros(560)
    envelope[::47] = 1.0   # one pulse every ~0.5 s
    period, confidence = estimate_tempo(envelope, hops_per_second, 60.0, 200.0)
    assert 60 * hops_per_second / period == pytest.approx(119.7, abs=1.5)
    assert confidence > 0.5
    assert beat_offset(envelope, period) == (len(envelope) - 1) % 47


def test_no_tempo_without_rhythm():
    rng = np.random.default_rng(3)
    assert estimate_tempo(np.zeros(500), 93.75, 60, 200) == (0.0, 0.0)
    noise = rng.random(500)
    assert estimate_tempo(noise, 93.75, 60, 200)[0] == 0.0


def test_every_band_gets_at_least_one_bin():
    matrix = band_matrix(64, 20.0, 20000.0, RATE, 256)
    assert (matrix.sum(axis=0) >= 1).all()


@settings(max_examples=25, deadline=None)
@given(st.floats(0.0, 1.0), st.integers(0, 2**32 - 1))
def test_any_signal_gives_finite_bounded_features(level, seed):
    rng = np.random.default_rng(seed)
    signal = (level * rng.uniform(-1, 1, HOP * 12)).astype(np.float32)
    signal[rng.integers(0, len(signal), 5)] = 0.0
    for frame in run(signal):
        values = np.concatenate([frame.bands, frame.spectrum,
                                 [frame.rms, frame.rms_db, frame.onset, frame.novelty]])
        assert np.isfinite(values).all()
        assert 0.0 <= frame.bands.min() and frame.bands.max() <= 1.0
        assert 0.0 <= frame.onset <= 1.0 and 0.0 <= frame.novelty <= 1.0


def test_analyze_file_matches_streaming_and_has_the_documented_keys(tmp_path):
    signal = np.concatenate([sine(200.0, 0.5), click_train([0.3], 0.6), sine(4000.0, 0.5)])
    path = tmp_path / "test.flac"
    soundfile.write(path, np.stack([signal, signal], axis=1), RATE)
    analysis = analyze_file(path, hop=HOP)
    hop_count = math.ceil(len(signal) / HOP)
    for key in ("times", "rms", "bands", "spectrum", "onset", "novelty", "beats"):
        assert len(analysis[key]) == hop_count, key
    assert analysis["spectrum"].shape == (hop_count, SPECTRUM_SIZE)
    assert analysis["bands"].shape == (hop_count, 8)
    assert analysis["times"][0] == pytest.approx(HOP / RATE)
    streamed = analyze_signal(signal, RATE, HOP)
    # 16-bit FLAC rounds the samples, so values agree closely, not exactly
    np.testing.assert_allclose(analysis["spectrum"], streamed["spectrum"], atol=0.02)
    assert "beats" not in analyze_file(path, hop=HOP, tempo=False)


def test_analyze_file_names_an_unreadable_file(tmp_path):
    bad = tmp_path / "notes.ogg"
    bad.write_text("not audio")
    with pytest.raises(AudioInputError, match="notes.ogg"):
        analyze_file(bad)
    with pytest.raises(AudioInputError, match="missing.wav: no such audio file"):
        analyze_file(tmp_path / "missing.wav")


def test_feature_track_gives_the_hop_heard_at_a_time(tmp_path):
    signal = np.concatenate([np.zeros(RATE // 2, np.float32), sine(1000.0, 0.5)])
    path = tmp_path / "step.wav"
    soundfile.write(path, signal, RATE, subtype="FLOAT")
    analysis = analyze_file(path)
    track = FeatureTrack(analysis)
    assert track.at(0.005).rms == 0.0                 # before the first hop ends: silence
    index = int(0.75 * RATE / HOP) - 1
    frame = track.at(0.75)
    assert frame.position == pytest.approx(analysis["times"][index])
    np.testing.assert_array_equal(frame.spectrum, analysis["spectrum"][index])
    assert track.at(0.75).rms == frame.rms            # deterministic
    assert track.at(5.0).rms == 0.0                   # past the end without loop
    looped = FeatureTrack(analysis, loop=True)
    assert looped.at(0.75 + track.duration).position == pytest.approx(frame.position)
