"""The performed look in the real shader (headless EGL, Mesa llvmpipe) against numpy references.

Colour checks draw with "nearest" at the frame's own size, so each output pixel is exactly its
input pixel and only the look differs; zoom, pan and spin are checked where their sampling is
exact (nearest at whole factors, quarter turns) and bicubic against the Catmull-Rom reference.
"""

import colorsys

import numpy as np
import pytest

from live.compositor import upscale
from live.compositor.catmull_rom import catmull_rom_resize
from live.contracts.messages import PerformedLook

AT_REST = PerformedLook.declared_defaults()
LEVELS = 2          # out of 255: the shader's float maths against numpy's
SIZE = 32


def random_image(seed: int, size: int = SIZE) -> np.ndarray:
    image = np.random.default_rng(seed).integers(0, 256, (size, size, 4), np.uint8)
    image[..., 3] = 255
    return image


def gradient() -> np.ndarray:
    ramp = np.linspace(0, 255, SIZE).round().astype(np.uint8)
    image = np.empty((SIZE, SIZE, 4), np.uint8)
    image[..., 0], image[..., 1] = ramp[None, :], ramp[:, None]
    image[..., 2], image[..., 3] = 255 - ramp[None, :], 255
    return image


def look(image: np.ndarray, **changes) -> np.ndarray:
    """The RGB the show puts out for ``image`` with the performed look ``changes``, as floats."""
    out = upscale(image, image.shape[:2], "nearest", AT_REST._replace(**changes))
    return out[..., :3].astype(float)


def assert_close(result: np.ndarray, expected: np.ndarray) -> None:
    error = np.abs(result - np.asarray(expected, float)).max()
    assert error <= LEVELS, f"off by {error} levels"


def test_the_look_at_rest_changes_nothing():
    image = random_image(1)
    assert np.array_equal(look(image), image[..., :3])


def test_invert_of_a_gradient():
    image = gradient()
    assert_close(look(image, invert=True), 255 - image[..., :3].astype(float))


def test_master_scales_the_level():
    image = random_image(2)
    assert_close(look(image, master=0.5), image[..., :3] * 0.5)
    assert look(image, master=0.0).max() == 0


def test_master_comes_after_invert():
    image = gradient()
    assert_close(look(image, invert=True, master=0.5), (255 - image[..., :3].astype(float)) / 2)


def test_punch_is_contrast_around_mid_grey():
    rgb = random_image(3)[..., :3] / 255.0
    assert_close(look(random_image(3), punch=2.0), np.clip((rgb - 0.5) * 2 + 0.5, 0, 1) * 255)
    assert_close(look(random_image(3), punch=0.0), np.full(rgb.shape, 127.5))


def luma(rgb: np.ndarray) -> np.ndarray:
    return rgb @ np.array([0.2126, 0.7152, 0.0722])


def test_saturation_zero_gives_grey_and_two_doubles_the_colour():
    image = random_image(4)
    rgb = image[..., :3].astype(float)
    grey = luma(rgb)[..., None]
    assert_close(look(image, saturation=0.0), np.repeat(grey, 3, axis=2))
    assert_close(look(image, saturation=2.0), np.clip(grey + 2 * (rgb - grey), 0, 255))


def test_hue_180_turns_pure_red_cyan():
    red = np.zeros((8, 8, 4), np.uint8)
    red[..., 0] = red[..., 3] = 255
    assert_close(look(red, hue=180.0), np.broadcast_to([0.0, 255.0, 255.0], (8, 8, 3)))
    assert_close(look(red, hue=-180.0), np.broadcast_to([0.0, 255.0, 255.0], (8, 8, 3)))


@pytest.mark.parametrize("degrees", [120.0, -45.0])
def test_hue_rotates_every_colour_as_hsv_does(degrees):
    image = random_image(5, size=16)
    expected = np.array([[colorsys.hsv_to_rgb((h + degrees / 360.0) % 1.0, s, v)
                          for h, s, v in (colorsys.rgb_to_hsv(*pixel) for pixel in row)]
                         for row in image[..., :3] / 255.0]) * 255
    assert_close(look(image, hue=degrees), expected)


def test_zoom_2_at_the_centre_magnifies_the_centre_quarter():
    image = random_image(6)
    quarter = image[SIZE // 4:3 * SIZE // 4, SIZE // 4:3 * SIZE // 4, :3]
    assert np.array_equal(look(image, zoom=2.0), quarter.repeat(2, 0).repeat(2, 1))
    # Bicubic: away from the quarter's border (where the reference repeats its edge and the
    # shader reads the real neighbours), the Catmull-Rom upscale of the quarter.
    bicubic = upscale(image, (SIZE, SIZE), "bicubic", AT_REST._replace(zoom=2.0))
    reference = catmull_rom_resize(np.ascontiguousarray(quarter), (SIZE, SIZE))
    inner = slice(4, SIZE - 4)
    assert_close(bicubic[inner, inner, :3].astype(float), reference[inner, inner])


def test_pan_reaches_the_frame_edges_at_any_zoom():
    image = random_image(7)
    half = SIZE // 2
    right_half = image[:, half:, :3].repeat(2, 1)[SIZE // 4:3 * SIZE // 4].repeat(2, 0)
    assert np.array_equal(look(image, zoom=2.0, pan_x=1.0), right_half)
    top_half = image[:half, :, :3].repeat(2, 0)[:, SIZE // 4:3 * SIZE // 4].repeat(2, 1)
    assert np.array_equal(look(image, zoom=2.0, pan_y=1.0), top_half)
    top_left = image[:half, :half, :3].repeat(2, 0).repeat(2, 1)
    assert np.array_equal(look(image, zoom=2.0, pan_x=-1.0, pan_y=1.0), top_left)
    assert np.array_equal(look(image, pan_x=1.0, pan_y=-1.0), image[..., :3])  # zoom 1


def test_spin_turns_counter_clockwise_about_the_centre():
    image = random_image(8)
    assert np.array_equal(look(image, spin=90.0), np.rot90(image[..., :3]))
    assert np.array_equal(look(image, spin=-90.0), np.rot90(image[..., :3], -1))
    assert np.array_equal(look(image, spin=180.0), np.rot90(image[..., :3], 2))


def test_spin_shows_the_background_where_the_frame_turned_away():
    white = np.full((SIZE, SIZE, 4), 255, np.uint8)
    turned = look(white, spin=45.0)
    assert turned[0, 0].max() == 0 and turned[-1, -1].max() == 0      # corners: background
    assert turned[SIZE // 2, SIZE // 2].min() == 255                   # centre: the frame
    # Zoomed in by sqrt(2), the turned frame covers the whole output again.
    assert look(white, spin=45.0, zoom=1.5).min() == 255
