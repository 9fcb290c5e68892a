"""Feedback trails and the beat strobe in the real shaders (headless EGL, Mesa llvmpipe)
against numpy references, period by period as the compositor steps them."""

import numpy as np
import pytest

from live.compositor.context import headless_context, offscreen_target
from live.compositor.look import Look, strobe_flash, trail_keep
from live.compositor.placement import Placement
from live.compositor.renderer import AT_REST, FrameRenderer
from live.contracts.parameters import parameter

SIZE = 24
LEVELS = 2          # out of 255: the shader's float maths and 8-bit rounding against numpy's
EVERY = {name: index for index, name in enumerate(parameter("strobe_every").choices)}


@pytest.fixture(scope="module")
def renderer():
    renderer = FrameRenderer(headless_context())
    yield renderer
    renderer.release()


def drawn(renderer: FrameRenderer, **changes) -> np.ndarray:
    """The RGB the renderer draws now at the frame's own size ("nearest": pixel for pixel)."""
    target = offscreen_target(renderer.ctx, SIZE, SIZE)
    flash = changes.pop("flash", 0.0)
    try:
        renderer.draw(target, Look(method="nearest", placement=Placement(mode="stretch")),
                      flip_y=True, performed=AT_REST._replace(**changes), flash=flash)
        pixels = np.frombuffer(target.read(components=4, alignment=1), np.uint8)
    finally:
        target.color_attachments[0].release()
        target.release()
    return pixels.reshape(SIZE, SIZE, 4)[..., :3].astype(float)


def moving_bar(step: int) -> np.ndarray:
    """A white bar four pixels wide on dark grey, moving right four pixels a period."""
    image = np.full((SIZE, SIZE, 4), 40, np.uint8)
    image[..., 3] = 255
    image[:, 4 * step:4 * step + 4, :3] = 255
    return image


def test_trails_follow_a_moving_bar_as_the_reference_does(renderer):
    feedback, keep = 0.75, trail_keep(0.5, 15)
    trail = None
    with renderer.ctx:
        for step in range(5):
            frame = moving_bar(step)
            renderer.upload(frame)
            renderer.advance_trails(feedback, keep)
            now = frame[..., :3].astype(float)
            trail = now if trail is None else np.maximum(now, trail * keep)
            expected = now + feedback * (trail - now)
            result = drawn(renderer, feedback=feedback)
            assert np.abs(result - expected).max() <= LEVELS, f"period {step}"
        # The bar's first place still glows, fainter than the bar and brighter than the ground.
        assert 40 + LEVELS < result[0, 0, 0] < 255 - LEVELS
        # Feedback off: the frame alone at once, and a fresh start when it comes back.
        renderer.advance_trails(0.0, keep)
        assert np.array_equal(drawn(renderer), moving_bar(4)[..., :3])
        renderer.advance_trails(feedback, keep)
        assert np.array_equal(drawn(renderer, feedback=feedback), moving_bar(4)[..., :3])
        renderer.advance_trails(0.0, keep)


def test_a_still_picture_with_trails_is_the_picture(renderer):
    frame = moving_bar(1)
    with renderer.ctx:
        renderer.upload(frame)
        for _ in range(3):
            renderer.advance_trails(1.0, trail_keep(10.0, 30))
        assert np.abs(drawn(renderer, feedback=1.0) - frame[..., :3]).max() <= LEVELS
        renderer.advance_trails(0.0, 1.0)


def test_trail_time_is_the_time_to_a_tenth_at_any_frame_rate():
    for fps in (15, 30, 60):
        assert trail_keep(2.0, fps) ** (2 * fps) == pytest.approx(0.1)


def test_the_flash_takes_the_frame_toward_white(renderer):
    frame = moving_bar(2)
    with renderer.ctx:
        renderer.upload(frame)
        renderer.advance_trails(0.0, 1.0)
        rgb = frame[..., :3].astype(float)
        result = drawn(renderer, flash=0.5, master=0.5)
        assert np.abs(result - (rgb + 0.5 * (255 - rgb)) * 0.5).max() <= LEVELS
        assert drawn(renderer, flash=1.0).min() == 255


def look(strobe: float, every: str):
    return AT_REST._replace(strobe=strobe, strobe_every=EVERY[every])


@pytest.mark.parametrize("beat, every, flash", [
    (0.0, "1", 1.0), (3.0, "1", 1.0), (3.125, "1", 0.5), (3.25, "1", 0.0), (3.9, "1", 0.0),
    (2.0, "2", 1.0), (3.0, "2", 0.0), (4.125, "2", 0.5),
    (8.0, "4", 1.0), (6.0, "4", 0.0),
    (0.5, "1/2", 1.0), (0.625, "1/2", 0.5), (0.75, "1/2", 0.0),
])
def test_the_strobe_flashes_every_so_many_beats(beat, every, flash):
    assert strobe_flash(beat, look(1.0, every)) == pytest.approx(flash)
    assert strobe_flash(beat, look(0.4, every)) == pytest.approx(0.4 * flash)
    assert strobe_flash(beat, look(0.0, every)) == 0.0
