"""``[[songs]]``: every song checked, each problem one line naming the song and the key."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from live.config import ConfigError, load_config
from tests.engine.sets import make_set
from tests.support.showrun import run_cli
from tests.latents.conftest import write_gance_file

SHOW = """\
[networks]
files = ["demo:0", "demo:1"]
[latents]
gain = 0.3
stops = 3
[latents.selection]
mode = "loudness"
"""


def songs(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "show.toml"
    path.write_text(text + SHOW)   # top-level keys (songs = 3) come before any table
    return path


def test_a_song_says_only_what_differs_from_the_show(tmp_path):
    cfg = load_config(songs(tmp_path, """
[[songs]]
name = "intro"
[[songs]]
networks = [1, 0]
transition = "fade_black"
[songs.latents]
gain = 0.8
source = "projection"
projection.file = "b.hdf5"
"""))
    intro, second = cfg.songs
    assert (intro.name, intro.networks, intro.transition) == ("intro", [], "crossfade")
    assert (intro.latents.gain, intro.latents.stops, intro.latents.source) == (0.3, 3, "noise_loop")
    assert (second.latents.gain, second.latents.stops, second.latents.source) == \
        (0.8, 3, "projection")
    assert second.latents.projection.file == "b.hdf5"
    assert second.latents.selection.mode == "loudness"
    assert second.latents.selection.networks == [1, 0]   # loudness picks among its own
    assert cfg.latents.gain == 0.3 and cfg.latents.source == "noise_loop"   # the show's stays


@pytest.mark.parametrize("text, message", [
    ("[[songs]]\nname = 'a'\ntransition = 'jump'\n",
     "song 1 (a): [songs] transition: expected one of 'cut', 'crossfade', 'cut_on_beat', "
     "'fade_black', got 'jump'"),
    ("[[songs]]\n[[songs]]\ntempo = 3\n", "song 2: [songs] unknown key 'tempo'"),
    ("[[songs]]\n[songs.latents]\ngain = 9\n",
     "song 1: [songs.latents] gain: expected a value from 0.0 to 1.0, got 9"),
    ("[[songs]]\nname = 'b'\nnetworks = [0, 2]\n",
     "song 1 (b): [songs] networks: 2 is not an index into [networks] files (0 to 1)"),
    ("[[songs]]\naudio = 'a.wav'\n[[songs]]\nname = 'c'\n",
     "song 2 (c): [songs] audio: empty, but other songs have their audio"),
    ("songs = 3\n", "songs: expected [[songs]] tables, one per song"),
])
def test_a_bad_song_is_named_in_one_line(tmp_path, text, message):
    path = songs(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value).startswith(f"{path}: ") and message in str(err.value)
    assert "\n" not in str(err.value)


def test_check_builds_every_song_and_names_the_one_that_fails(tmp_path):
    show = make_set(tmp_path)
    result = run_cli("check", show)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("3 songs")
    # The second song's projection was made with a network of another resolution.
    write_gance_file(tmp_path / "two.hdf5", np.zeros((4, 18, 512), np.float32), 10)
    result = run_cli("check", show)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"gance-live: error: {show}: song 2 "
                                                   f"(second): "), result.stderr
    assert "18 W+ rows" in lines[0] and "Traceback" not in result.stderr
    # run refuses a song whose file is missing at once (it would only load mid-show).
    (tmp_path / "two.hdf5").unlink()
    result = run_cli("run", show, "--headless", "--seconds", 1)
    assert result.returncode == 2
    assert "song 2 (second): [latents.projection] file" in result.stderr
    assert "no such input file" in result.stderr
