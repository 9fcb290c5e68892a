"""The layers' settings refused in one line by ``gance-live check``, as ``run`` would."""

from __future__ import annotations

import numpy as np

from live.latents.projection import ProjectionFile
from tests.projector.conftest import write_video
from tests.test_bad_input import DEMO_NUM_WS, assert_refused, check


def test_video_and_overlay_settings_are_refused_in_one_line(tmp_path):
    (tmp_path / "notes.mp4").write_text("not a video")
    assert_refused(check("video.source=file", f"video.file={tmp_path / 'missing.mp4'}"),
                   "[video] file", "missing.mp4")
    assert_refused(check("video.source=file", f"video.file={tmp_path / 'notes.mp4'}"),
                   "[video] file", "notes.mp4: not a video file OpenCV can decode")
    assert_refused(check("overlays.eyes=true"), "[overlays] eyes", "source = \"projection\"")
    projection = ProjectionFile.write(tmp_path / "song.hdf5",
                                      np.zeros((4, DEMO_NUM_WS, 512), np.float32), fps=15.0)
    assert_refused(check("overlays.eyes=true", "latents.source=projection",
                         f"latents.projection.file={projection}"),
                   "song.hdf5.eyes.npz", "run 'gance-live overlays")
    # The original video named as the overlays' source: one that does not decode, and one
    # too short for the projection's 4 frames at 15 fps.
    eyes_on = ("overlays.eyes=true", "latents.source=projection",
               f"latents.projection.file={projection}")
    assert_refused(check(*eyes_on, f"overlays.source_video={tmp_path / 'notes.mp4'}"),
                   "[overlays] source_video", "notes.mp4: not a video file OpenCV can decode")
    short = write_video(tmp_path / "short.avi", np.zeros((2, 32, 32, 3), np.uint8), 15.0)
    assert_refused(check(*eyes_on, f"overlays.source_video={short}"),
                   "[overlays] source_video", "short.avi: holds 2 frames (0.13 s at 15 fps); "
                   "the projection's 4 frames at 15 fps need 4; name the video song.hdf5 was "
                   "projected from")
