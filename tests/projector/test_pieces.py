"""The projector's pure parts: frame choice and fitting, shards and resume rounds, the file
while written, and the optimisation of noise maps."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from live.latents.projection import root_attributes
from live.projector.distance import PixelSSIMDistance
from live.projector.errors import ProjectorError
from live.projector.optimise import ProjectorSettings, project_batch, to_rgb8, w_statistics
from live.projector.run import first_unfinished_round, round_frames, shard_bounds
from live.projector.store import ProjectionOutput
from live.projector.video import VideoSource, projection_sources
from live.video.sources import fit_square
from tests.projector.conftest import moving_latents, projectable_generator, write_video


def test_frames_are_taken_at_the_projection_fps():
    # NTSC 29.97 to 15 fps: every other frame, 15 per second of video.
    chosen = projection_sources(300, 30000 / 1001, 15.0)
    assert len(chosen) == 150 and chosen[:4] == [0, 1, 3, 5] and chosen[-1] <= 299
    assert projection_sources(4, 10.0, 10.0) == [0, 1, 2, 3]


def test_frames_become_the_networks_square():
    # 40 x 80 BGR: blue left quarter, green middle half, red right quarter.
    frame = np.zeros((40, 80, 3), np.uint8)
    frame[:, :20] = (255, 0, 0)
    frame[:, 20:60] = (0, 255, 0)
    frame[:, 60:] = (0, 0, 255)
    cropped = fit_square(frame, 16, "crop")
    assert cropped.shape == (16, 16, 3)
    assert (cropped == (0, 255, 0)).all()               # only the green centre, as RGB
    padded = fit_square(frame, 16, "pad")
    assert (padded[:3] == 0).all() and (padded[-3:] == 0).all()   # black bars above, below
    assert tuple(padded[8, 1]) == (0, 0, 255) and tuple(padded[8, 14]) == (255, 0, 0)


def test_video_is_read_at_the_projection_fps(tmp_path):
    frames = np.stack([np.full((8, 12, 3), 20 * i, np.uint8) for i in range(6)])
    video = VideoSource(write_video(tmp_path / "v.avi", frames, 10.0))
    assert (video.frame_count, video.fps, video.width, video.height) == (6, 10.0, 12, 8)
    chosen = video.sources(5.0)
    assert chosen == [0, 2, 4]
    read = list(video.frames(chosen, 4, "crop"))
    assert [int(f.mean()) for f in read] == [0, 40, 80]
    with pytest.raises(ProjectorError, match="--fps 25 is above the video's own 10 fps"):
        video.sources(25.0)
    text = tmp_path / "notes.avi"
    text.write_text("not a video")
    with pytest.raises(ProjectorError, match="notes.avi: OpenCV"):
        VideoSource(text)


def test_rounds_and_resume_points():
    bounds = shard_bounds(7, 3)
    assert [len(b) for b in bounds] == [2, 2, 3]
    assert round_frames(bounds, 0) == [(0, 0), (1, 2), (2, 4)]
    assert round_frames(bounds, 2) == [(2, 6)]
    assert first_unfinished_round(bounds, set()) == 0
    assert first_unfinished_round(bounds, {0, 2, 4, 1, 3}) == 1   # round 1 lacks frame 5
    assert first_unfinished_round(bounds, set(range(7))) == 3
    assert shard_bounds(2, 8) == [range(0, 1), range(1, 2)]      # no empty shards


def test_output_resumes_only_with_the_same_settings(tmp_path):
    path = tmp_path / "p.hdf5"
    root = root_attributes(3, (4, 4), 10.0, complete=False)
    output = ProjectionOutput.open(path, root, {"steps": 60})
    latent = np.ones((2, 512), np.float32)
    image = np.zeros((4, 4, 3), np.uint8)
    output.write_frame(0, latent, image, image)
    output.write_frame(1, latent * 2, image, image)
    output.close()
    with pytest.raises(ProjectorError, match="was started with steps = 60, now 61; resume "
                                             "with the same"):
        ProjectionOutput.open(path, root, {"steps": 61})
    again = ProjectionOutput.open(path, root, {"steps": 60})
    assert again.done() == {0, 1}
    np.testing.assert_array_equal(again.latent(1), latent * 2)
    again.discard([1, 2])
    assert again.done() == {0}
    again.finish()
    with pytest.raises(ProjectorError, match="already a complete projection"):
        ProjectionOutput.open(path, root, {"steps": 60})


def test_noise_maps_are_fitted_per_frame_and_put_back():
    G = projectable_generator()
    layers = [m for m in G.synthesis.modules() if hasattr(m, "noise_const")]
    before = [layer.noise_const.clone() for layer in layers]
    with torch.no_grad():
        targets = to_rgb8(G.synthesis(moving_latents(G, 2, travel=1.0)))
    starts = G.mapping.w_avg.expand(2, G.num_ws, -1).numpy()
    _, w_std = w_statistics(G)
    settings = ProjectorSettings(steps=4, optimise_noise=True)
    pair = project_batch(G, targets, starts, [0, 1], settings, PixelSSIMDistance(), w_std)
    alone = project_batch(G, targets[1:], starts[1:], [1], settings, PixelSSIMDistance(), w_std)
    for layer, original in zip(layers, before):
        assert torch.equal(layer.noise_const, original)
    # A frame's result does not depend on the frames sharing its batch (but for float
    # rounding, which Adam's first steps magnify), while two frames' results differ.
    alone_gap = np.abs(pair.latents[1] - alone.latents[0]).max()
    frames_gap = np.abs(pair.latents[1] - pair.latents[0]).max()
    assert np.isfinite(pair.latents).all()
    assert alone_gap < 0.01 * frames_gap, (alone_gap, frames_gap)
