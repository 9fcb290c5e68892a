"""The set around the instruments: transitions, background loading, following the audio."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from live.contracts.errors import ConfigError
from live.contracts.features import FeatureFrame
from live.contracts.state import ShowState
from live.latents.config import KeyframesConfig, LatentsConfig
from live.latents.instrument import Instrument
from live.latents.setlist import SetPlayer
from live.latents.songs import SongConfig
from tests.latents.conftest import LinearMapping

FPS = 10
NUM_WS = 4
POINTS = (["seed:1", "seed:2"], ["seed:3", "seed:4"], ["seed:5", "seed:6"])


def instrument(song: int) -> Instrument:
    cfg = LatentsConfig(source="keyframes", gain=0.25 * (song + 1),
                        keyframes=KeyframesConfig(points=POINTS[song], seconds_per_transition=1.0))
    return Instrument(cfg, seed=0, fps=FPS, num_ws=NUM_WS, network_count=3,
                      map_z=LinearMapping(), w_avg=np.zeros(512, np.float32), resolve=Path)


def a_set(*transitions: str, seconds: float = 1.0, load=instrument, **options) -> SetPlayer:
    songs = [SongConfig(name=f"s{song}", networks=[song], transition=transition,
                        transition_seconds=seconds, latents=instrument(song).cfg)
             for song, transition in enumerate(("cut",) + transitions)]
    return SetPlayer(songs, load, instrument(0), FPS, **options)


class Show:
    """Plays a set frame by frame as the conductor does: starting values on entry."""

    def __init__(self, songs: SetPlayer) -> None:
        self.songs, self.state, self.entered = songs, ShowState(), []

    def play(self, index: int, beat: float = 0.0, features: FeatureFrame | None = None):
        def enter(song: int) -> None:
            self.entered.append((index, song))
            for name, value in self.songs.starting_values(song).items():
                setattr(self.state, name, value)
        return self.songs.frame(index, features, self.state, beat, on_enter=enter)


def journey(song: int, start: int, index: int) -> np.ndarray:
    """Song ``song``'s W+ at frame ``index`` when it started at frame ``start``."""
    alone = instrument(song)
    alone.start_at(start)
    for k in range(start, index + 1):
        ws = alone.frame(k, None, ShowState()).ws
    return ws


def test_a_crossfade_mixes_the_songs_latents_and_networks_over_its_frames():
    show = Show(a_set("crossfade", wait=True))
    for k in range(5):
        assert show.play(k).song == 0
    assert show.songs.go(1)
    frames = {k: show.play(k) for k in range(5, 17)}
    assert show.entered == [(5, 1)] and show.state.gain == 0.5 and show.state.network == 1
    for k in range(5, 15):
        weight = (k - 5) / 10
        mixed = (1 - weight) * journey(0, 0, k) + weight * journey(1, 5, k)
        assert frames[k].song == 1
        np.testing.assert_allclose(frames[k].latent.ws, mixed, rtol=1e-5, atol=1e-6)
        assert (frames[k].latent.network, frames[k].latent.crossfade_to) == (0, 1)
        assert frames[k].latent.crossfade == pytest.approx(weight)
    np.testing.assert_allclose(frames[16].latent.ws, journey(1, 5, 16), rtol=1e-6)
    assert frames[16].latent.crossfade_to == -1 and frames[16].latent.network == 1


def test_a_move_during_a_crossfade_cuts_it_short():
    show = Show(a_set("crossfade", "cut", wait=True))
    show.play(0)
    show.songs.go(1)
    assert show.play(1).latent.crossfade_to == 0 + 1    # fading from song 1 into song 2
    assert show.songs.go(2)
    frame = show.play(2)
    assert frame.song == 2 and frame.latent.crossfade_to == -1
    np.testing.assert_allclose(frame.latent.ws, journey(2, 2, 2), rtol=1e-6)


def test_a_frame_bound_behind_a_later_one_keeps_the_song_that_one_has():
    show = Show(a_set("cut", wait=True))
    show.play(0)
    assert show.play(2).song == 0     # a slow worker's frame 2 is bound before frame 1
    show.songs.go(1)
    assert show.play(1).song == 0     # shown before frame 2: not the new song yet
    assert show.play(3).song == 1 and show.entered == [(3, 1)]


def test_a_cut_on_the_beat_waits_for_the_next_whole_beat():
    show = Show(a_set("cut_on_beat", wait=True))
    beats = [k * 0.3 for k in range(12)]           # 180 bpm at 10 fps
    show.play(0, beats[0])
    show.play(1, beats[1])
    show.songs.go(1)                               # asked at beat 0.3
    songs = [show.play(k, beats[k]).song for k in range(2, 12)]
    first = 2 + songs.index(1)
    assert beats[first - 1] < 1.0 <= beats[first]  # the first frame past beat 1
    assert show.entered == [(first, 1)]


def test_a_fade_through_black_switches_at_black():
    show = Show(a_set("fade_black", seconds=1.0, wait=True))
    show.play(0)
    show.songs.go(1)
    frames = [show.play(k) for k in range(1, 13)]
    levels = [round(f.level, 3) for f in frames]
    assert levels[:11] == [1.0, 0.8, 0.6, 0.4, 0.2, 0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert [f.song for f in frames][:11] == [0] * 5 + [1] * 6
    assert show.entered == [(6, 1)]
    np.testing.assert_allclose(frames[5].latent.ws, journey(1, 6, 6), rtol=1e-6)


def test_songs_load_in_the_background_and_a_switch_never_waits_for_one():
    release = threading.Event()

    def slow(song: int) -> Instrument:
        release.wait(30)
        if song == 2:
            raise ConfigError("show.toml: song 3: [latents.projection] file: broken")
        return instrument(song)

    show = Show(a_set("cut", "cut", load=slow))
    assert not show.songs.loaded(1)
    assert show.songs.go(1)
    started = time.monotonic()
    for k in range(5):   # song 1 is still loading: song 0 plays on, not a frame held up
        assert show.play(k).song == 0
    assert time.monotonic() - started < 5.0
    assert "(loading)" in show.songs.hud_line(4)
    release.set()
    deadline = time.monotonic() + 30
    while not show.songs.loaded(1) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert show.play(5).song == 1 and show.entered == [(5, 1)]
    # A song whose files fail is refused with the reason; the show stays where it is.
    while show.songs._loads[2].running() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert show.songs.go(2)
    assert show.play(6).song == 1
    assert "broken" in show.songs.failed[2] and not show.songs.go(2)
    show.songs.close()


def heard(position: float) -> FeatureFrame:
    return FeatureFrame(position=position)


def test_the_set_follows_its_audio_and_the_audio_follows_the_performer():
    show = Show(a_set("cut", "cut", bounds=[(0.0, 2.0), (2.0, 4.0), (4.0, 6.0)], wait=True))
    songs = show.songs
    assert show.play(0).seek == 0.0          # the set starts its first song's audio
    assert songs.song_heard(heard(5.0)) is None  # audio played before the jump landed
    assert songs.song_heard(heard(0.1)) is None
    assert songs.song_heard(heard(2.05)) == 1    # the first song's audio ran out
    assert songs.go(1, from_audio=True)
    assert show.play(1).seek is None             # the audio is there already
    assert songs.go(2)                           # the performer: the audio jumps to song 3
    frame = show.play(2)
    assert (frame.song, frame.seek) == (2, 4.0)
    assert songs.song_heard(heard(2.5)) is None  # the second song's audio still playing
    assert songs.song_heard(heard(4.05)) is None  # the jump landed: nothing to do
    assert songs.song_heard(heard(0.05)) == 0    # the program looped round
    assert songs.hud_line(22).startswith("song 3/3 s2   0:02")


def test_loop_song_plays_the_song_again_instead_of_moving_on():
    show = Show(a_set("cut", "cut", bounds=[(0.0, 2.0), (2.0, 4.0), (4.0, 6.0)], wait=True))
    songs = show.songs
    show.play(0)
    songs.song_heard(heard(0.1))
    for k in range(1, 20):
        show.play(k)
    assert songs.song_heard(heard(2.05), loop=True) is None   # the song's audio ran out
    frame = show.play(20)
    assert (frame.song, frame.seek) == (0, 0.0)                # its audio and journey restart
    np.testing.assert_allclose(frame.latent.ws, journey(0, 20, 20), rtol=1e-6)
    assert songs.song_heard(heard(2.1), loop=True) is None    # before the jump landed
    assert songs.song_heard(heard(0.05), loop=True) is None
    assert songs.song_heard(heard(2.05)) == 1                  # loop off: the set moves on
    assert show.entered == []
