"""A picture frame spans several audio hops and reads one: the onsets and beats of the hops
in between must still reach it (render's features, on a real analysis of a click track)."""

from __future__ import annotations

import numpy as np
import soundfile

from live.audio.features import FeatureTrack, analyze_file
from live.contracts.features import FeatureFrame, with_events_of
from live.engine.show import _render_features

FPS = 10


def test_with_events_of_keeps_the_frame_and_adds_the_hops_events() -> None:
    frame = FeatureFrame(rms=0.5)
    assert with_events_of(frame, []) == frame
    both = with_events_of(frame, [FeatureFrame(onset_event=True), FeatureFrame(beat_event=True)])
    assert both.onset_event and both.beat_event and both.rms == 0.5


def test_every_onset_of_a_click_track_reaches_a_rendered_frame(tmp_path) -> None:
    rate = 22050
    sound = np.zeros(4 * rate, np.float32)
    clicks = [0.53, 1.27, 2.11, 3.36]          # seconds: between frames, at odd hops
    for at in clicks:
        start = int(at * rate)
        sound[start:start + 200] = np.random.default_rng(start).uniform(-0.5, 0.5, 200)
    soundfile.write(tmp_path / "clicks.wav", sound, rate)
    track = FeatureTrack(analyze_file(tmp_path / "clicks.wav", tempo=False))
    onset_hops = np.flatnonzero(track.analysis["onset_event"])
    assert len(onset_hops) == len(clicks)
    features_at = _render_features(track, FPS)
    frames = [features_at(index, 0.0) for index in range(4 * FPS)]
    with_onset = [index for index, frame in enumerate(frames) if frame.onset_event]
    # Each onset lands on the first frame at or after its hop, and on no other.
    expected = [int(np.ceil(track.analysis["times"][hop] * FPS - 1e-9)) for hop in onset_hops]
    assert with_onset == expected
    # Read one hop per frame, most of them would have been lost.
    assert sum(track.at(index / FPS).onset_event for index in range(4 * FPS)) < len(clicks)
