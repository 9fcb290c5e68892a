"""``gance-live overlays PROJECTION``: the source frames' eyes found once and stored beside it."""

from __future__ import annotations

import os

import numpy as np
import pytest

from live.latents.projection import ProjectionFile
from live.overlay.sources import SourceEyes, SourceEyesError, sidecar_path
from tests.support.showrun import run_cli
from tests.overlay.faces import ASTRONAUT_EYES, face_frame
from tests.projector.conftest import write_video

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
    assert "eyes in 3 of 6 source frames" in result.stdout
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


def test_overlays_command_reads_the_original_video_in_step(tmp_path):
    """``--video``: projection frame k's source is the video's frame at k / projection fps,
    fitted to the square as the projector fitted it. The video runs at twice the projection's
    fps and holds the face (8 px further right each frame) on even frames only, 80 px
    beyond a centred square on either side (cropped away)."""
    projection_frames, side, bar = 5, 360, 80
    frames = np.full((2 * projection_frames, side, side + 2 * bar, 3), 96, np.uint8)
    for index in range(0, 2 * projection_frames, 2):
        frames[index, :, bar:bar + side] = face_frame(side, dx=8 * index, face_size=side)
    video = write_video(tmp_path / "original.avi", frames, 10.0)
    projection = ProjectionFile.write(tmp_path / "song.hdf5",
                                      np.zeros((projection_frames, 4, 512), np.float32), fps=5.0,
                                      original_fps=10.0, original_frame_count=len(frames))
    result = run_cli("overlays", projection, "--video", video)
    assert result.returncode == 0, result.stderr
    assert "eyes in 5 of 5 frames of original.avi" in result.stdout
    eyes = SourceEyes.load(projection, frame_count=projection_frames, video=video)
    assert eyes.frame_size == (side, side)
    scale = side / 512
    for index in range(projection_frames):
        x, y = eyes.sample(index).box[:2]
        assert abs(x - (ASTRONAUT_EYES[0] * scale + 16 * index)) <= 3, (index, x)
        assert abs(y - ASTRONAUT_EYES[1] * scale) <= 3, (index, y)

    # Eyes found in one source are not taken for the other's.
    with pytest.raises(SourceEyesError, match=r"made from a source video, but .* target images"):
        SourceEyes.load(projection, frame_count=projection_frames)
    # A video too short for the projection: one line, nothing written.
    short = write_video(tmp_path / "short.avi", frames[:6], 10.0)
    result = run_cli("overlays", projection, "--video", short)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "short.avi: holds 6 frames; the projection was made from a video of 10" \
        in result.stderr
