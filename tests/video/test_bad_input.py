"""The layers' settings refused in one line by ``gance-live check``, as ``run`` would."""

from __future__ import annotations

import numpy as np

from live.latents.projection import ProjectionFile
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
