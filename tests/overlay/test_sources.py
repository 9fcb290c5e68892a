"""``gance-live overlays PROJECTION``: the source frames' eyes found once and stored beside it."""

from __future__ import annotations

import os

import numpy as np
import pytest

from live.latents.projection import ProjectionFile
from live.overlay.sources import SourceEyes, SourceEyesError, sidecar_path
from tests.support.showrun import run_cli
from tests.overlay.faces import ASTRONAUT_EYES, face_frame

SIZE = 600


def face_projection(path, frames: int = 6):
    """A projection whose target images hold the astronaut on even frames (8 px further
    right each frame) and plain grey on odd ones."""
    latents = np.zeros((frames, 4, 512), np.float32)
    targets = np.stack([face_frame(SIZE, dx=8 * i) if i % 2 == 0
                        else np.full((SIZE, SIZE, 3), 96, np.uint8) for i in range(frames)])
    return ProjectionFile.write(path, latents, fps=10.0, target_images=targets)


def test_overlays_command_stores_every_source_frames_eyes(tmp_path):
    projection = face_projection(tmp_path / "song.hdf5")
    result = run_cli("overlays", projection)
    assert result.returncode == 0, result.stderr
    assert f"eyes in 3 of 6 source frames" in result.stdout
    assert "eyes: 100%" in result.stderr                         # the progress bar
    assert not list(tmp_path.glob(".*.partial"))                 # written whole, then renamed
    eyes = SourceEyes.load(projection, frame_count=6)
    assert eyes.frame_size == (SIZE, SIZE)
    assert eyes.found.tolist() == [True, False] * 3
    for index in (0, 2, 4):
        x, y = eyes.sample(index).box[:2]
        assert abs(x - (ASTRONAUT_EYES[0] + 8 * index)) <= 3
        assert abs(y - ASTRONAUT_EYES[1]) <= 3
    assert eyes.sample(1) is None

    # A projection written again makes the stored eyes stale: one line saying what to run.
    os.utime(projection, ns=(1, 1))
    with pytest.raises(SourceEyesError, match=r"changed since\); run .gance-live overlays"):
        SourceEyes.load(projection, frame_count=6)


def test_overlays_bad_input_is_one_line(tmp_path):
    bare = ProjectionFile.write(tmp_path / "bare.hdf5", np.zeros((3, 4, 512), np.float32), 10.0)
    for target, said in ((bare, "has no target image"),
                         (tmp_path / "missing.hdf5", "missing.hdf5")):
        result = run_cli("overlays", target)
        assert result.returncode == 2
        assert said in result.stderr and len(result.stderr.strip().splitlines()) == 1, \
            result.stderr
    assert not sidecar_path(bare).exists()
    with pytest.raises(SourceEyesError, match="never computed"):
        SourceEyes.load(bare, frame_count=3)
    sidecar_path(bare).write_bytes(b"not numpy")
    with pytest.raises(SourceEyesError, match="not a readable eyes file"):
        SourceEyes.load(bare, frame_count=3)
