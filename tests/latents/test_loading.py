"""The song loader: a real child process reads songs' files and hands back shared memory."""

from __future__ import annotations

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from live.contracts.errors import ConfigError
from live.contracts.shm import leftover_segments
from live.contracts.state import ShowState
from live.latents.config import KeyframesConfig, LatentsConfig, ProjectionConfig
from live.latents.instrument import Instrument
from live.latents.loading import SongLoader, read_song_files
from live.latents.projection import ProjectionFileError
from tests.latents.conftest import LinearMapping, write_gance_file

NUM_WS, FPS = 6, 10
SONG = "show.toml: song 2"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    rng = np.random.default_rng(5)
    w = rng.standard_normal((30, 512)).astype(np.float32)
    write_gance_file(tmp_path / "song.hdf5", np.repeat(w[:, None], NUM_WS, axis=1), FPS)
    np.save(tmp_path / "a.npy", rng.standard_normal(512).astype(np.float32))
    np.save(tmp_path / "b.npy", rng.standard_normal((NUM_WS, 512)).astype(np.float32))
    return tmp_path


@pytest.fixture
def loader():
    loader = SongLoader()
    yield loader
    loader.close()


def instrument(cfg: LatentsConfig, folder: Path, files=None) -> Instrument:
    return Instrument(cfg, seed=1, fps=FPS, num_ws=NUM_WS, network_count=1,
                      map_z=LinearMapping(), w_avg=np.zeros(512, np.float32),
                      resolve=lambda p: folder / p, config_name=SONG, files=files)


def test_a_song_read_by_the_child_plays_as_one_read_here(folder, loader):
    projection = LatentsConfig(source="projection", gain=0.0,
                               projection=ProjectionConfig(file="song.hdf5"))
    keyframes = LatentsConfig(source="keyframes", gain=0.0, keyframes=KeyframesConfig(
        points=["a.npy", "seed:4", "b.npy"], seconds_per_transition=0.5))
    for cfg in (projection, keyframes):
        files = loader.read(cfg, NUM_WS, FPS, lambda p: folder / p, SONG)
        here = read_song_files(cfg, NUM_WS, FPS, lambda p: folder / p, SONG)
        assert files.projection_fps == here.projection_fps
        assert files.arrays().keys() == here.arrays().keys()
        for key, array in here.arrays().items():
            np.testing.assert_array_equal(files.arrays()[key], array)
        loaded, read_here = instrument(cfg, folder, files), instrument(cfg, folder)
        for index in range(25):
            np.testing.assert_array_equal(loaded.frame(index, None, ShowState()).ws,
                                          read_here.frame(index, None, ShowState()).ws)
    # Only the projection's shared row came back; each read is a segment this process owns.
    assert loader.read(projection, NUM_WS, FPS, lambda p: folder / p,
                       SONG).projection.shape == (30, 1, 512)
    assert leftover_segments(os.getpid()) == [f"gance_live_{os.getpid()}_song{read}"
                                              for read in (1, 2, 3)]
    loader.close()
    assert leftover_segments(os.getpid()) == []


def test_a_broken_song_is_one_line_and_the_loader_reads_on(folder, loader):
    wrong_rows = LatentsConfig(source="projection",
                               projection=ProjectionConfig(file="song.hdf5"))
    with pytest.raises(ProjectionFileError, match=r"song\.hdf5: latents have 6 W\+ rows but "
                                                   r"the show's networks have 18"):
        loader.read(wrong_rows, 18, FPS, lambda p: folder / p, SONG)
    missing = LatentsConfig(source="keyframes",
                            keyframes=KeyframesConfig(points=["a.npy", "gone.npy"]))
    with pytest.raises(ConfigError, match=r"show.toml: song 2: \[latents.keyframes\] points.*"
                                          r"gone\.npy") as error:
        loader.read(missing, NUM_WS, FPS, lambda p: folder / p, SONG)
    assert "\n" not in str(error.value)
    assert loader.read(wrong_rows, NUM_WS, FPS, lambda p: folder / p, SONG).projection.size


def test_a_loader_dying_mid_read_is_one_line_and_it_starts_again(folder, loader):
    cfg = LatentsConfig(source="projection", projection=ProjectionConfig(file="song.hdf5"))
    loader.read(cfg, NUM_WS, FPS, lambda p: folder / p, SONG)
    child = loader._process.pid
    os.kill(child, signal.SIGSTOP)   # the next request waits in the pipe, unread
    with ThreadPoolExecutor(1) as pool:
        reading = pool.submit(loader.read, cfg, NUM_WS, FPS, lambda p: folder / p, SONG)
        deadline = time.monotonic() + 30
        while loader._read < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)   # the request sent, the reply awaited
        os.kill(child, signal.SIGKILL)
        with pytest.raises(ConfigError, match=r"^show.toml: song 2: the song loader process "
                                              r"ended \(exit code -9\).*the show goes on"):
            reading.result(timeout=30)
    assert loader.read(cfg, NUM_WS, FPS, lambda p: folder / p, SONG).projection.shape[0] == 30
    assert loader._process.pid != child
