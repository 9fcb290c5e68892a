"""``[latents]`` and its tables, read from a real show file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from live.config import ConfigError, load_config

SHOW = """
[latents]
source = "projection"
cues = [0.0, 42.5]
gain_curve = 2.0

[latents.projection]
file = "songs/intro.hdf5"
at_end = "ping_pong"

[latents.keyframes]
points = ["seed:7", "favourites/a.npy"]

[latents.selection]
mode = "shuffle"
networks = [0, 2]
shuffle_on = "beat"
shuffle_weights = [3.0, 1.0]
"""


def test_nested_tables_load(tmp_path: Path) -> None:
    path = tmp_path / "show.toml"
    path.write_text(SHOW)
    latents = load_config(path).latents
    assert latents.source == "projection" and latents.cues == [0.0, 42.5]
    assert latents.projection.file == "songs/intro.hdf5"
    assert latents.projection.at_end == "ping_pong" and not latents.projection.interpolate
    assert latents.keyframes.points == ["seed:7", "favourites/a.npy"]
    assert latents.selection.networks == [0, 2] and latents.selection.shuffle_on == "beat"
    assert latents.neighbours.sigma == 0.35   # an absent table keeps its defaults


@pytest.mark.parametrize("text, message", [
    ('[latents]\nsource = "dreams"', "[latents] source"),
    ('[latents.projection]\nat_end = "bounce"', "[latents.projection] at_end"),
    ('[latents.selection]\nloudness_db_range = [-40.0]', "a list of 2 numbers"),
    ('[latents.novelty_walk]\npeak_treshold = 0.2', "unknown key 'peak_treshold'"),
])
def test_bad_values_name_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=re.escape(message)) as caught:
        load_config(path)
    assert str(path) in str(caught.value)
