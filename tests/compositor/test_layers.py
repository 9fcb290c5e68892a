"""The layer stack drawn by the real shaders (Mesa, headless EGL): the video layer under the
placed GAN frame, its opacity and each blend mode, against numpy."""

from __future__ import annotations

import numpy as np
import pytest

from live.compositor.context import headless_context, offscreen_target
from live.compositor.layers import EyeDrawing
from live.compositor.look import Look
from live.compositor.placement import Placement
from live.compositor.renderer import AT_REST, LAYERS_AT_REST, FrameRenderer
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


def test_the_eye_overlay_is_part_of_the_frame_before_the_look(renderer):
    """The eye region is drawn into the frame itself: with zoom, pan, spin, a turned
    placement and colour performed, the output is exactly that of a frame whose own pixels
    hold the region; the frame keeps its alpha."""
    grey = solid(np.array([96, 96, 96], float), 32, 64)
    grey[:, :, 3] = 200                                    # not opaque: the alpha survives
    region = np.zeros((8, 16, 3), np.uint8)
    region[:, :, 0], region[:, :, 1] = 230, np.arange(16, dtype=np.uint8)[None, :] * 12
    x, y = 30, 10
    with_eyes = grey.copy()
    with_eyes[y:y + 8, x:x + 16, :3] = region
    look = Look(method="nearest", placement=Placement(mode="fit", rotation=90))
    performed = AT_REST._replace(zoom=2.0, pan_x=0.3, spin=20.0, saturation=0.5, hue=90.0)

    def output(frame: np.ndarray, eyes: EyeDrawing | None) -> np.ndarray:
        renderer.layers.set_eyes(region, eyes)
        renderer.upload(frame)
        target = offscreen_target(renderer.ctx, WIDTH, HEIGHT)
        renderer.draw(target, look, flip_y=True, performed=performed)
        pixels = np.frombuffer(target.read(components=3, alignment=1), np.uint8)
        target.color_attachments[0].release()
        target.release()
        return pixels.reshape(HEIGHT, WIDTH, 3).astype(int)

    expected = output(with_eyes, None)
    assert (expected[:, :, 0] > expected[:, :, 2] + 40).sum() > 20   # the red region shows
    overlaid = output(grey, EyeDrawing((x, y, 16, 8), (64, 32), opacity=1.0, feather=0.0))
    assert np.abs(overlaid - expected).max() <= 1
    texture = np.frombuffer(renderer.texture.read(), np.uint8).reshape(32, 64, 4)
    assert (texture[:, :, 3] == 200).all()
    # Half the opacity: half-way between the frame and the region, inside it.
    renderer.layers.set_eyes(None, EyeDrawing((x, y, 16, 8), (64, 32), 0.5, 0.0))
    renderer.upload(grey)
    texture = np.frombuffer(renderer.texture.read(), np.uint8).reshape(32, 64, 4)
    assert np.allclose(texture[y:y + 8, x:x + 16, 0], (96 + 230) / 2, atol=1)
    renderer.layers.set_eyes(None, None)
