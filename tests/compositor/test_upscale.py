"""The GL upscale (headless EGL, Mesa llvmpipe) against the numpy Catmull-Rom reference."""

import numpy as np
import pytest

from live.compositor import upscale
from live.compositor.catmull_rom import catmull_rom_resize


def random_image(shape, seed):
    image = np.random.default_rng(seed).integers(0, 256, shape, np.uint8)
    image[..., 3] = 255
    return image


def max_error(a, b):
    return int(np.abs(a.astype(int) - b.astype(int)).max())


@pytest.mark.parametrize("in_size, out_size", [((64, 64), (128, 128)),
                                               ((97, 61), (194, 122)),
                                               ((1024, 1024), (2160, 2160))])
def test_bicubic_shader_matches_reference_within_one_level(in_size, out_size):
    image = random_image((*in_size, 4), seed=sum(in_size))
    result = upscale(image, out_size)
    assert result.shape == (*out_size, 4)
    assert max_error(result[..., :3], catmull_rom_resize(image, out_size)[..., :3]) <= 1


def test_bicubic_on_a_non_square_output_matches_reference():
    image = random_image((40, 30, 4), seed=3)
    out_size = (90, 160)
    assert max_error(upscale(image, out_size), catmull_rom_resize(image, out_size)) <= 1


def test_rgb_input_gives_rgb_output():
    image = random_image((16, 16, 4), seed=4)[..., :3].copy()
    result = upscale(image, (32, 32))
    assert result.shape == (32, 32, 3)
    assert max_error(result, catmull_rom_resize(image, (32, 32))) <= 1


def test_nearest_at_an_integer_factor_repeats_pixels():
    image = random_image((16, 24, 4), seed=5)
    expected = image.repeat(3, axis=0).repeat(3, axis=1)
    assert np.array_equal(upscale(image, (48, 72), "nearest"), expected)


def test_linear_at_2x_blends_neighbours_a_quarter_and_three_quarters():
    image = random_image((32, 32, 4), seed=6)
    linear = upscale(image, (64, 64), "linear").astype(float)
    # At 2x, output pixels sample the source at i - 0.25 and i + 0.25 along each axis.
    padded = np.pad(image.astype(float), ((1, 1), (1, 1), (0, 0)), mode="edge")
    across = np.empty((34, 64, 4))
    across[:, 0::2] = 0.25 * padded[:, :-2] + 0.75 * padded[:, 1:-1]
    across[:, 1::2] = 0.75 * padded[:, 1:-1] + 0.25 * padded[:, 2:]
    expected = np.empty((64, 64, 4))
    expected[0::2] = 0.25 * across[:-2] + 0.75 * across[1:-1]
    expected[1::2] = 0.75 * across[1:-1] + 0.25 * across[2:]
    assert np.abs(linear - expected).max() <= 1.0
    assert max_error(linear, catmull_rom_resize(image, (64, 64))) > 1   # a different method


def test_orientation_top_row_stays_on_top():
    image = np.zeros((8, 8, 4), np.uint8)
    image[0, :, 0] = 255          # red top row
    image[:, 0, 1] = 255          # green left column
    image[..., 3] = 255
    result = upscale(image, (16, 16), "nearest")
    assert result[0, 8, 0] == 255 and result[15, 8, 0] == 0
    assert result[8, 0, 1] == 255 and result[8, 15, 1] == 0


def test_bad_image_is_refused():
    with pytest.raises(ValueError, match="uint8"):
        upscale(np.zeros((8, 8), np.float32), (16, 16))
