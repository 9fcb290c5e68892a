"""gance-live project end to end: a video made from known latents, projected back, killed
midway, resumed, and compared with an uninterrupted projection."""

from __future__ import annotations

import signal

import h5py
import numpy as np
import pytest
import torch

from live.cli import main
from live.latents.projection import ProjectionFile, ProjectionFileError
from live.projector.optimise import psnr, to_rgb8
from live.synth.cache import save_safetensors
from live.synth.loading import load_network
from tests.support.showrun import run_cli, start_cli
from tests.projector.conftest import (moving_latents, projectable_generator, small_generator,
                                     write_video)

FRAMES = 6
VIDEO_FPS = 10.0
STEPS = 60        # enough for 30 dB at 64 px with the warm start; seconds on a CPU
BATCH = 2         # two shards of three frames: three rounds of batches of two


def _project(video, network, out, *extra):
    return ("project", video, network, "--out", out, "--steps", STEPS, "--batch", BATCH,
            "--device", "cpu", *extra)


def _frames(path) -> dict[str, np.ndarray]:
    with h5py.File(path, "r") as f:
        return {f"{group}/{name}": np.asarray(f[group][name])
                for group in ("final_latents", "target_images", "final_images")
                for name in f[group]}


def test_projected_back_resumed_identical(tmp_path, network_file):
    G = projectable_generator()
    with torch.no_grad():
        frames = to_rgb8(G.synthesis(moving_latents(G, FRAMES)))
    video = write_video(tmp_path / "clip.avi", frames, VIDEO_FPS)

    whole = tmp_path / "whole.hdf5"
    done = run_cli(*_project(video, network_file, whole), timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "no --vgg file: using the pixel + multi-scale SSIM distance" in done.stderr
    assert "vgg16.pt" in done.stderr and "frame/s" in done.stderr  # the note and the bar

    # The show's reader takes it: complete, one W on every row, every frame in order.
    projection = ProjectionFile.open(whole)
    assert len(projection) == FRAMES and projection.fps == VIDEO_FPS
    assert projection.attributes["steps_in_projection"] == STEPS
    assert projection.attributes["projection_width_height"].tolist() == [64, 64]
    stored = _frames(whole)
    targets = np.stack([stored[f"target_images/target_images_{i}"] for i in range(FRAMES)])
    finals = np.stack([stored[f"final_images/final_images_{i}"] for i in range(FRAMES)])
    np.testing.assert_array_equal(targets, frames)  # lossless video: the frames themselves
    quality = psnr(finals, targets)
    assert quality.min() >= 30.0, quality
    # The final images are what a show draws from the stored latents (to a rounding: the
    # projector drew them two at a time, here all six at once).
    shown = load_network(network_file)
    with torch.no_grad():
        drawn = to_rgb8(shown.synthesis(torch.from_numpy(projection.latents)))
    assert np.abs(drawn.astype(int) - finals).max() <= 1

    # Killed after the first round, the file is refused by a show, then resumed.
    halves = tmp_path / "halves.hdf5"
    first = start_cli("-v", *_project(video, network_file, halves))
    for line in first.stderr:
        if "round 1 of 3 written" in line:
            first.send_signal(signal.SIGKILL)
            break
    first.wait(timeout=60)
    assert first.returncode == -signal.SIGKILL
    with pytest.raises(ProjectionFileError, match="incomplete"):
        ProjectionFile.open(halves)
    resumed = run_cli(*_project(video, network_file, halves), timeout=240)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"resuming {halves}: 2 of {FRAMES} frames already projected" in resumed.stderr
    again = _frames(halves)
    assert again.keys() == stored.keys()
    for name, data in stored.items():
        np.testing.assert_array_equal(again[name], data, err_msg=name)
    with h5py.File(whole, "r") as a, h5py.File(halves, "r") as b:
        assert dict(a.attrs).keys() == dict(b.attrs).keys()
        assert bool(b.attrs["complete"])

    # Once complete, a file is not projected over; other settings are not mixed into one.
    again_run = run_cli(*_project(video, network_file, halves), timeout=120)
    assert again_run.returncode == 2
    assert "already a complete projection" in again_run.stderr
    assert "Traceback" not in again_run.stderr


def test_bad_input_gets_one_line(tmp_path, network_file, capsys):
    video = write_video(tmp_path / "clip.avi", np.zeros((2, 64, 64, 3), np.uint8), 5.0)
    narrow = save_safetensors(small_generator(resolution=64), tmp_path / "narrow.safetensors")
    cases = {
        ("project", tmp_path / "missing.mp4", network_file, "--out", tmp_path / "a.hdf5"):
            "missing.mp4: no such video",
        ("project", video, network_file, "--out", tmp_path / "b.hdf5", "--steps", "0"):
            "--steps 0: give at least 1",
        ("project", video, narrow, "--out", tmp_path / "c.hdf5"):
            "W has 64 dimensions; GANce projection files hold 512",
        ("project", video, network_file, "--out", video): "is one of the inputs",
        ("project", video, network_file, "--out", tmp_path / "d.hdf5", "--fps", "30"):
            "--fps 30 is above the video's own 5 fps",
    }
    for args, expected in cases.items():
        assert main([str(a) for a in args] + ["--device", "cpu"]) == 2, args
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and expected in err[0], (args, err)
    assert not any(tmp_path.glob("?.hdf5"))   # nothing written for a refused run
