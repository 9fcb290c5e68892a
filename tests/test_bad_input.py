"""Bad input through the real command line: one line naming the file, field and fix, exit 2,
never a traceback. And a network drawing NaN mid-show: frames dropped, the show goes on."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import soundfile
import torch
from safetensors.torch import save_file

from live.latents.projection import ProjectionFile
from live.synth.cache import FORMAT, save_safetensors
from live.synth.demo import build_demo, demo_init_kwargs
from tests.support.showrun import DEMO, assert_in_order_and_never_black, run_cli, run_headless

DEMO_NUM_WS = 12   # W+ rows of the 128 px demo networks
RATE = 22050


def assert_refused(result, *fragments: str) -> str:
    """Exit 2 and exactly one stderr line, ``gance-live: error: ...`` holding ``fragments``."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert result.returncode == 2 and len(lines) == 1, result.stderr
    assert lines[0].startswith("gance-live: error: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def check(*overrides: str):
    """``gance-live check`` of the demo show with ``--set`` overrides."""
    return run_cli("check", DEMO, *(a for o in overrides for a in ("--set", o)))


def show_file(tmp_path: Path, audio_file: str) -> Path:
    """A show playing ``audio_file``, written as TOML text (so escapes reach the parser)."""
    path = tmp_path / "show.toml"
    path.write_text(f'[networks]\nfiles = ["demo:0"]\n\n[audio]\nsource = "file"\n'
                    f'file = "{audio_file}"\n')
    return path


def network_file(path: Path, **sizes: int) -> Path:
    """A safetensors network whose metadata asks for the demo network with ``sizes`` changed
    (synthesis sizes go to synthesis_kwargs), holding one tiny tensor."""
    init_kwargs = demo_init_kwargs()
    for key, value in sizes.items():
        table = init_kwargs["synthesis_kwargs"] if key.startswith("channel_") else init_kwargs
        table[key] = value
    save_file({"x": torch.zeros(1)}, str(path),
              metadata={"format": FORMAT, "init_kwargs": json.dumps(init_kwargs), "source": "{}"})
    return path


@pytest.mark.parametrize("sizes, expected", [
    ({"img_resolution": 131072}, "img_resolution is 131072, expected a whole number from 4"),
    ({"img_resolution": -128}, "img_resolution is -128"),
    ({"img_resolution": 96}, "img_resolution is 96, not a power of two"),
    ({"w_dim": -5}, "w_dim is -5"),
    ({"channel_base": -1024}, "synthesis_kwargs.channel_base is -1024"),
    ({"img_channels": 4}, "img_channels is 4, expected 1 (grey) or 3 (RGB)"),
    # Sizes in bounds, but gigabytes of network over a file holding one number.
    ({"img_resolution": 1024, "channel_base": 1 << 22, "channel_max": 4096},
     "weights do not fit the network"),
])
def test_network_metadata_out_of_bounds_is_refused_before_building(tmp_path, sizes, expected):
    path = network_file(tmp_path / "absurd.safetensors", **sizes)
    assert_refused(check(f'networks.files=["{path}"]'), str(path), expected)


def test_projection_with_garbage_mid_file_names_the_file_and_the_damaged_part(tmp_path):
    rng = np.random.default_rng(3)
    w = rng.standard_normal((400, 1, 512)).astype(np.float32)
    path = ProjectionFile.write(tmp_path / "song.hdf5", np.repeat(w, DEMO_NUM_WS, axis=1), 15.0)
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 200_000] = rng.integers(0, 256, 200_000, np.uint8).tobytes()
    path.write_bytes(bytes(data))
    line = assert_refused(check('latents.source="projection"',
                                f'latents.projection.file="{path}"'),
                          f"{path}: ", "cannot be read", "copy it again")
    assert "final_latents" in line   # the group, or the frame the garbage hit


def test_projection_of_absurd_latents_is_refused_with_the_bound(tmp_path):
    latents = np.ones((10, DEMO_NUM_WS, 512), np.float32)
    latents[6] = 3e38   # finite, but a black show
    path = ProjectionFile.write(tmp_path / "diverged.hdf5", latents, 15.0)
    assert_refused(check('latents.source="projection"', f'latents.projection.file="{path}"'),
                   f"{path}: final_latents_6 holds 3e+38", "|w| <= 100")


def test_keyframe_beyond_the_latent_bound_is_refused(tmp_path):
    w = np.zeros((DEMO_NUM_WS, 512), np.float32)
    w[3, 7] = -250.0
    np.save(tmp_path / "wild.npy", w)
    assert_refused(check('latents.source="keyframes"',
                         f'latents.keyframes.points=["seed:1", "{tmp_path / "wild.npy"}"]'),
                   "[latents.keyframes] points", "wild.npy: row 3 holds -250", "|w| <= 100")


@pytest.mark.parametrize("bad, shown", [(np.nan, "is NaN"), (np.inf, "is inf"),
                                        (-1e6, "is -1e+06")])
def test_audio_with_damaged_samples_is_refused_with_the_time(tmp_path, bad, shown):
    samples = np.zeros((RATE * 2, 2), np.float32)
    samples[RATE // 2, 1] = bad
    soundfile.write(tmp_path / "loop.wav", samples, RATE, subtype="FLOAT")
    assert_refused(check('audio.source="file"', f'audio.file="{tmp_path / "loop.wav"}"'),
                   "loop.wav: sample at 0.500 s (frame 11025, channel 2) " + shown,
                   "|x| <= 16")


def test_a_show_refuses_nan_audio_at_start_instead_of_crashing_the_conductor(tmp_path):
    samples = np.full((RATE * 2, 1), np.nan, np.float32)
    soundfile.write(tmp_path / "nan.wav", samples, RATE, subtype="FLOAT")
    result = run_cli("run", DEMO, "--headless", "--seconds", 2, "--out", tmp_path / "x.mp4",
                     "--set", 'audio.source="file"',
                     "--set", f'audio.file="{tmp_path / "nan.wav"}"')
    assert_refused(result, "nan.wav: sample at 0.000 s", "is NaN")


@pytest.mark.parametrize("kind", ["folder", "fifo", "device"])
def test_a_folder_fifo_or_device_is_called_what_it_is(tmp_path, kind):
    if kind == "folder":
        path, shown = tmp_path / "loop.wav", "is a folder, not a regular file"
        path.mkdir()
    elif kind == "fifo":
        path, shown = tmp_path / "loop.wav", "is a named pipe (FIFO), not a regular file"
        os.mkfifo(path)
    else:
        path, shown = Path("/dev/zero"), "is a character device, not a regular file"
    line = assert_refused(check('audio.source="file"', f'audio.file="{path}"'),
                          f"[audio] file: {path}: {shown}")
    assert "does not exist" not in line
    # Every reader goes through the same check: networks, projections, the show file itself.
    assert_refused(check(f'networks.files=["{path}"]'), f"[networks] files: {path}: {shown}")
    assert_refused(check('latents.source="projection"', f'latents.projection.file="{path}"'),
                   f"{path}: {shown}")
    assert_refused(run_cli("check", path), f"{path}: {shown}")


def test_a_nul_byte_in_a_config_path_is_one_line(tmp_path):
    line = assert_refused(run_cli("check", show_file(tmp_path, "loop\\u0000.wav")),
                          "[audio] file:", "loop\\x00.wav", "cannot hold a NUL byte")
    assert "\0" not in line


def test_a_5000_character_path_is_one_short_line(tmp_path):
    line = assert_refused(run_cli("check", show_file(tmp_path, "x" * 5000 + ".wav")),
                          "[audio] file:", "characters long, over this system's limit of 4095")
    assert len(line) < 400


def test_ndi_settings_ndi_cannot_read_are_refused(tmp_path):
    (tmp_path / "ndi-config.v1.json").write_text('{"ndi": {"networks": ')
    assert_refused(check("output.ndi.enabled=true", f'output.ndi.config_dir="{tmp_path}"'),
                   f"[output.ndi] config_dir: {tmp_path / 'ndi-config.v1.json'}: not JSON",
                   '{"ndi": {"networks": {"ips": "127.0.0.1"}}}')


def test_nan_or_inf_in_the_show_file_is_refused():
    assert_refused(check("latents.gain=nan"), "[latents] gain: expected a finite number")
    assert_refused(check("latents.fft_amplitude_range=[-4.0, inf]"),
                   "[latents] fft_amplitude_range: expected a finite number from -100.0 to 100.0")


def test_a_network_drawing_nan_drops_its_frames_and_the_show_goes_on(tmp_path):
    """demo:1 with one NaN weight, saved through the project's own save path, shuffled with
    demo:0: its frames are dropped (the last picture held, never black), the worker says so."""
    damaged = build_demo(1)
    with torch.no_grad():
        damaged.synthesis.b4.conv1.weight[0, 0, 0, 0] = float("nan")
    path = save_safetensors(damaged, tmp_path / "nan.safetensors")
    show = run_headless([f'networks.files=["demo:0", "{path}"]',
                         'latents.selection.mode="shuffle"', "latents.selection.shuffle_every=1"],
                        4, tmp_path)
    assert "Traceback" not in show.stderr
    assert f"network 2 ({path}) drew NaN/inf" in show.stderr
    assert "frame dropped, last picture held" in show.stderr
    assert len(show.rows) >= 5 and {row["network"] for row in show.rows} == {0}
    assert_in_order_and_never_black(show.rows)
    assert show.shown == len(show.rows) and show.dropped >= 1
