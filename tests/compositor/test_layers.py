"""The layer stack drawn by the real shaders (Mesa, headless EGL): the video layer under the
placed GAN frame, its opacity and each blend mode, against numpy."""

from __future__ import annotations

import numpy as np
import pytest

from live.compositor.context import headless_context, offscreen_target
from live.compositor.look import Look
from live.compositor.placement import Placement
from live.compositor.renderer import LAYERS_AT_REST, FrameRenderer
from live.contracts.parameters import parameter

WIDTH, HEIGHT = 96, 64
FRAME = np.array([200, 100, 40], float)     # the GAN frame's colour
VIDEO = np.array([60, 120, 240], float)     # the video layer's colour
BLENDS = parameter("frame_blend").choices


@pytest.fixture(scope="module")
def renderer():
    ctx = headless_context()
    renderer = FrameRenderer(ctx)
    yield renderer
    renderer.release()
    ctx.release()


def solid(colour: np.ndarray, height: int, width: int) -> np.ndarray:
    image = np.empty((height, width, 4), np.uint8)
    image[:, :, :3], image[:, :, 3] = colour.astype(np.uint8), 255
    return image


def draw(renderer: FrameRenderer, **layers) -> np.ndarray:
    """The output (top row first, RGB floats) with the frame fitted, ``layers`` performed."""
    target = offscreen_target(renderer.ctx, WIDTH, HEIGHT)
    renderer.draw(target, Look(method="nearest", placement=Placement(mode="fit")),
                  flip_y=True, layers=LAYERS_AT_REST._replace(**layers))
    pixels = np.frombuffer(target.read(components=3, alignment=1), np.uint8)
    target.color_attachments[0].release()
    target.release()
    return pixels.reshape(HEIGHT, WIDTH, 3).astype(float)


def test_layers(renderer):
    renderer.upload(solid(FRAME, 32, 32))           # a square frame: fitted 64x64 in the middle
    # No video, the frame opaque: the frame on the background, as before the stack existed.
    plain = draw(renderer)
    assert np.allclose(plain[:, 16:80], FRAME, atol=1) and plain[:, :16].max() == 0

    # Half the size, moved a quarter of the width right: 32x32 centred at x = 72.
    placed = draw(renderer, frame_scale=0.5, frame_x=0.25)
    assert np.allclose(placed[16:48, 56:88], FRAME, atol=1)
    assert placed[:, :56].max() == 0 and placed[:16].max() == 0

    # A video below: the frame covers it where placed, the video shows around it.
    renderer.layers.upload_video(solid(VIDEO, 18, 24))
    over = draw(renderer)
    assert np.allclose(over[:, 16:80], FRAME, atol=1)
    assert np.allclose(over[:, :16], VIDEO, atol=1) and np.allclose(over[:, 80:], VIDEO, atol=1)

    below, frame = VIDEO / 255, FRAME / 255
    mixed = {"normal": frame, "add": np.minimum(below + frame, 1),
             "screen": 1 - (1 - below) * (1 - frame), "multiply": below * frame}
    assert sorted(mixed) == sorted(BLENDS)
    for index, name in enumerate(BLENDS):
        for opacity in (1.0, 0.4):
            expected = (below + (mixed[name] - below) * opacity) * 255
            image = draw(renderer, frame_blend=index, frame_opacity=opacity)
            assert np.allclose(image[:, 16:80], expected, atol=1.5), (name, opacity)
            assert np.allclose(image[:, :16], VIDEO, atol=1), name
    assert np.allclose(draw(renderer, frame_opacity=0.0), VIDEO, atol=1)


@pytest.mark.parametrize("rotation, mirror", [(0, "none"), (90, "none"), (180, "horizontal")])
def test_the_eye_region_lands_where_the_frame_shows_it(rotation, mirror):
    """A region of the frame's pixels goes where the placed quad shows those pixels, however
    the frame is turned or mirrored: a pixel's place through eye_quad agrees with the frame
    quad's own corners."""
    from live.compositor.layers import eye_quad
    from live.compositor.placement import frame_vertices

    quad = frame_vertices(200, 100, 640, 360, Placement(mode="fit", rotation=rotation,
                                                        mirror=mirror, scale=0.5,
                                                        offset=(0.1, -0.05)))
    whole = eye_quad(quad, (0, 0, 200, 100), (200, 100))
    # The whole frame as a region covers the frame's quad exactly.
    assert sorted(map(tuple, np.round(whole[:, :2], 5))) == \
        sorted(map(tuple, np.round(quad[:, :2], 5)))
    # A region's centre lands on the frame's place for that pixel.
    region = eye_quad(quad, (50, 20, 40, 10), (200, 100))
    uv1 = np.column_stack([quad[:, 2:4], np.ones(4)])
    affine = np.linalg.lstsq(uv1, quad[:, :2], rcond=None)[0]
    assert np.allclose(region[:, :2].mean(axis=0), np.array([70 / 200, 25 / 100, 1]) @ affine)
