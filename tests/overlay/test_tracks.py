"""GANce's track rule on crafted pass/fail sequences: offline (render) and live."""

from __future__ import annotations

import numpy as np
import pytest

from live.overlay.tracks import LiveTrack, OfflineTracks, offline_tracks

T, F = True, False


@pytest.mark.parametrize("passes, expected", [
    ([], []),
    ([T] * 4, [F] * 4),                                    # one short of a track
    ([T] * 5, [T] * 5),                                    # exactly track_length
    ([F, T, T, T, T, T, T, F], [F, T, T, T, T, T, T, F]),  # drawn whole, ends included
    ([T, T, T, F, T, T, T, T, T, F, T], [F, F, F, F, T, T, T, T, T, F, F]),
    ([T, T, T, T, F, T, T, T, T], [F] * 9),                # a gap splits a track in two
])
def test_offline_draws_runs_of_track_length_whole(passes, expected):
    assert offline_tracks(passes, track_length=5).tolist() == expected


def test_offline_track_length_one_draws_every_pass():
    passes = np.random.default_rng(3).random(200) < 0.5
    assert np.array_equal(offline_tracks(passes, track_length=1), passes)


def test_live_starts_after_track_length_passes_and_fades():
    track = LiveTrack(track_length=3, fade_frames=2)
    opacities = [track.update(p) for p in [T, T, T, T, T, F, F, F]]
    # The third pass starts the track (the future is unknown: the first two stay bare), it
    # fades in over two frames and out over two once a frame fails.
    assert opacities == [0.0, 0.0, 0.5, 1.0, 1.0, 0.5, 0.0, 0.0]


def test_live_short_runs_never_show():
    track = LiveTrack(track_length=5, fade_frames=4)
    assert max(track.update(p) for p in [T, T, T, T, F] * 10) == 0.0


def test_live_fade_zero_cuts():
    track = LiveTrack(track_length=2, fade_frames=0)
    assert [track.update(p) for p in [T, T, F, T, T]] == [0.0, 1.0, 0.0, 0.0, 1.0]


def test_live_unknown_frames_hold_the_run_and_the_opacity():
    track = LiveTrack(track_length=3, fade_frames=1)
    assert [track.update(p) for p in [T, None, T, None, T, None, F]] == \
        [0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0]


def test_live_agrees_with_offline_on_long_runs_after_their_start():
    passes = [F, T, T, T, T, T, T, T, F, T, T, F]
    track = LiveTrack(track_length=5, fade_frames=0)
    live = np.array([track.update(p) for p in passes]) > 0
    offline = offline_tracks(passes, track_length=5)
    assert np.all(offline[live])                   # live draws nothing offline would not
    assert live.sum() == offline.sum() - 4         # it only misses each run's first frames


def test_live_too_many_unknown_frames_in_a_row_count_as_a_failure():
    track = LiveTrack(track_length=3, fade_frames=2)
    opacities = [track.update(p) for p in [T, T, T, T, None, None, None, None, T]]
    # Two unknowns hold; the third in a row is a failure (fading), and so is the next.
    assert opacities == [0.0, 0.0, 0.5, 1.0, 1.0, 1.0, 0.5, 0.0, 0.0]


def test_offline_frame_by_frame_decides_as_the_whole_sequence_does():
    rng = np.random.default_rng(7)
    for track_length in (1, 3, 5):
        passes = (rng.random(400) < 0.7).tolist()
        tracks, decided, most_waiting = OfflineTracks(track_length), [], 0
        for index, passed in enumerate(passes):
            decided += tracks.push(index, passed)
            most_waiting = max(most_waiting, index + 1 - len(decided))
        decided += tracks.finish()
        assert [index for index, _ in decided] == list(range(len(passes)))   # in order
        assert [drawn for _, drawn in decided] == offline_tracks(passes, track_length).tolist()
        assert most_waiting <= track_length - 1
