"""The numpy Catmull-Rom reference: the properties that make it a trustworthy reference."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from live.compositor.catmull_rom import catmull_rom_resize, catmull_rom_weights


@given(st.floats(min_value=0.0, max_value=0.999999))
def test_weights_sum_to_one_and_interpolate(t):
    weights = catmull_rom_weights(np.array(t))
    assert abs(weights.sum() - 1.0) < 1e-12
    # The spline reproduces straight lines: sum of w_i * offset_i lands exactly on t.
    assert abs(weights @ np.array([-1.0, 0.0, 1.0, 2.0]) - t) < 1e-12


def test_weights_at_a_sample_pick_that_sample():
    assert np.allclose(catmull_rom_weights(np.array(0.0)), [0, 1, 0, 0])


def test_same_size_is_identity():
    image = np.random.default_rng(1).integers(0, 256, (13, 17, 4), np.uint8)
    assert np.array_equal(catmull_rom_resize(image, (13, 17)), image)


def test_horizontal_ramp_stays_a_ramp_away_from_the_edges():
    ramp = np.tile((np.arange(32) * 8).astype(np.uint8)[None, :, None], (4, 1, 3))
    wide = catmull_rom_resize(ramp, (4, 128))[0, :, 0].astype(float)
    # Output pixel j samples source position (j + 0.5) / 4 - 0.5, i.e. value 8 * that.
    expected = 8 * ((np.arange(128) + 0.5) / 4 - 0.5)
    assert np.abs(wide[8:-8] - expected[8:-8]).max() <= 0.5


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 9), st.integers(2, 9), st.integers(1, 30), st.integers(1, 30))
def test_constant_image_stays_constant(h, w, out_h, out_w):
    image = np.full((h, w, 3), 77, np.uint8)
    assert np.all(catmull_rom_resize(image, (out_h, out_w)) == 77)


def test_sharp_edge_overshoots_and_is_clipped():
    edge = np.zeros((1, 8, 1), np.uint8)
    edge[:, 4:] = 255
    row = catmull_rom_resize(edge, (1, 32))[0, :, 0]
    assert row.min() == 0 and row.max() == 255
    assert list(row) == sorted(row)   # clipping keeps the step monotonic
