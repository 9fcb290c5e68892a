"""`gance-live check` refuses every input `run` would refuse, with one line naming the file."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import pytest
import soundfile

from live.latents.projection import ProjectionFile
from tests.support.showrun import make_show, run_cli

DEMO_NUM_WS = 12  # W+ rows of the demo networks (128 px)


@pytest.fixture
def show(tmp_path: Path) -> Path:
    return make_show(tmp_path)


def refused(show: Path, *overrides: str) -> str:
    """Run check with ``--set`` overrides; assert it refused with exactly one line, return it."""
    args = [arg for override in overrides for arg in ("--set", override)]
    result = run_cli("check", show, *args)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("gance-live: error: "), result.stderr
    return lines[0]


def test_the_small_show_passes(show: Path) -> None:
    result = run_cli("check", show)
    assert result.returncode == 0, result.stderr
    assert "ok: 2 networks" in result.stdout and "loop.wav" in result.stdout


class Hostile:
    """Pickles to a call of os.system: loading it would run a command."""

    def __reduce__(self):
        return os.system, ("touch hacked",)


@pytest.mark.parametrize("content", [b"\x80\x04 not a network, cut short", "hostile"])
def test_a_bad_second_network_is_refused(show: Path, content: bytes | str) -> None:
    bad = show.parent / "second.pkl"
    bad.write_bytes(pickle.dumps({"G_ema": Hostile()}) if content == "hostile" else content)
    line = refused(show, 'networks.files=["demo:0", "second.pkl"]')
    assert "second.pkl" in line
    assert not (show.parent / "hacked").exists()


def test_a_wav_of_random_bytes_is_refused(show: Path) -> None:
    (show.parent / "noise.wav").write_bytes(np.random.default_rng(1).bytes(64_000))
    assert "noise.wav: cannot read audio" in refused(show, 'audio.file="noise.wav"')


def test_a_wav_of_nan_samples_is_refused(show: Path) -> None:
    samples = np.zeros(22050, np.float32)
    samples[11025:] = np.nan
    soundfile.write(show.parent / "nan.wav", samples, 22050, subtype="FLOAT")
    line = refused(show, 'audio.file="nan.wav"')
    assert "nan.wav" in line and "NaN" in line and "0.500 s" in line


def test_etc_passwd_as_audio_is_refused(show: Path) -> None:
    assert "/etc/passwd: cannot read audio" in refused(show, 'audio.file="/etc/passwd"')


def test_a_truncated_projection_is_refused(show: Path) -> None:
    latents = np.random.default_rng(2).standard_normal((40, 1, 512)).astype(np.float32)
    path = ProjectionFile.write(show.parent / "video.hdf5",
                                np.repeat(latents, DEMO_NUM_WS, axis=1), fps=10)
    projection = ['latents.source="projection"', 'latents.projection.file="video.hdf5"']
    assert run_cli("check", show, *sum((["--set", s] for s in projection), [])).returncode == 0
    with open(path, "r+b") as stream:
        stream.truncate(path.stat().st_size * 2 // 3)
    assert "video.hdf5" in refused(show, *projection)


def test_a_broken_scene_file_fails_check_and_a_show_plays_without_it(show: Path, caplog) -> None:
    scenes = show.parent / "show.scenes.toml"
    scenes.write_text("[scene.2]\ngain = 7\n")
    line = refused(show)
    assert f"{scenes}: [scene.2] gain: expected a number from 0 to 1, got 7; fix" in line
    # A show (the same preflight, not strict) says it once and goes on without the scenes.
    from live.config import load_config
    from live.engine.show import ShowOptions, preflight

    checked = preflight(load_config(show), ShowOptions())
    assert checked.scenes.broken and checked.scenes.scenes == {}
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warnings == [f"{line.removeprefix('gance-live: error: ')} (the show goes on "
                        f"without these scenes)"]
    scenes.write_text("[scene.2]\ngain = 0.5\n")   # fixed: check (strict) reads it
    checked = preflight(load_config(show), ShowOptions(), strict_scenes=True)
    assert checked.scenes.scenes == {2: {"gain": 0.5}}
