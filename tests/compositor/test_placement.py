"""Placement geometry, pure: rectangles and corner orientation for each mode."""

import numpy as np
import pytest

from live.compositor.placement import Placement, corner_uvs, frame_rect, frame_vertices


def test_fit_square_on_wide_output_leaves_side_bars():
    assert frame_rect(128, 128, 640, 360, Placement("fit")) == (140.0, 0.0, 500.0, 360.0)


def test_fill_square_on_wide_output_covers_and_crops():
    assert frame_rect(128, 128, 640, 360, Placement("fill")) == (0.0, -140.0, 640.0, 500.0)


def test_size_and_position_place_the_centre():
    rect = frame_rect(128, 128, 640, 360, Placement("size", size=(100, 50), position=(0.25, 0.5)))
    assert rect == (110.0, 155.0, 210.0, 205.0)


def test_stretch_is_the_whole_output():
    assert frame_rect(128, 64, 640, 360, Placement("stretch")) == (0.0, 0.0, 640.0, 360.0)


def test_quarter_turn_swaps_the_frame_aspect():
    # A 200x100 landscape frame turned 90 degrees is portrait: fit by height.
    assert frame_rect(200, 100, 400, 400, Placement("fit", rotation=90)) == (100.0, 0.0, 300.0, 400.0)


CORNERS = {"TL": 0, "TR": 1, "BL": 2, "BR": 3}


@pytest.mark.parametrize("rotation, mirror, top_left_shows", [
    (0, "none", (0, 0)), (90, "none", (0, 1)), (180, "none", (1, 1)), (270, "none", (1, 0)),
    (0, "horizontal", (1, 0)), (0, "vertical", (0, 1)), (0, "both", (1, 1)),
    (90, "horizontal", (0, 0)),
])
def test_corner_orientation(rotation, mirror, top_left_shows):
    assert tuple(corner_uvs(rotation, mirror)[CORNERS["TL"]]) == top_left_shows


def test_every_orientation_uses_each_image_corner_once():
    for rotation in (0, 90, 180, 270):
        for mirror in ("none", "horizontal", "vertical", "both"):
            uvs = {tuple(uv) for uv in corner_uvs(rotation, mirror)}
            assert uvs == {(0, 0), (1, 0), (0, 1), (1, 1)}


def test_vertices_are_in_normalised_device_coordinates():
    vertices = frame_vertices(128, 128, 640, 360, Placement("fit"))
    assert vertices.dtype == np.float32 and vertices.shape == (4, 4)
    np.testing.assert_allclose(vertices[:, :2], [(-0.5625, 1), (0.5625, 1), (-0.5625, -1), (0.5625, -1)])


def test_bad_values_are_refused():
    with pytest.raises(ValueError, match="rotation"):
        Placement(rotation=45)
    with pytest.raises(ValueError, match="size"):
        Placement("size", size=(0, 10))
