"""The performer's preview window under Xvfb: a second, small window beside the output.

One compositor process shows a 640x360 output window and a 480x270 preview on a 1280x720
virtual screen (no window manager, so windows sit exactly where they ask to be). The windows
are found with ``xdotool`` by title, and the screenshot is cut at their geometry.
"""

import math
import os
import subprocess
import time

import cv2
import numpy as np
import pytest

from live.compositor.config import OutputConfig
from live.contracts.state import Intent
from tests.compositor.harness import CompositorHarness
from tests.compositor.test_window import near, quadrant_frame, wait_for_screen
from tests.support.xvfb import geometry, request_close, windows, xvfb

pytestmark = pytest.mark.display

OUTPUT_TITLE, PREVIEW_TITLE = "^gance-live$", "^gance-live preview$"
PREVIEW_SIZE, PREVIEW_POSITION = (480, 270), (700, 400)
HUD_AREA = (slice(16, 120), slice(16, 370))   # rows, columns the HUD panel covers


@pytest.fixture(scope="module")
def screen():
    """A 1280x720 Xvfb display of this module's own (DISPLAY set for the module)."""
    with xvfb(1280, 720) as display, pytest.MonkeyPatch.context() as patch:
        patch.setenv("DISPLAY", display)
        yield display


@pytest.fixture(scope="module")
def preview_show(screen):
    output = OutputConfig(width=640, height=360, placement="stretch", preview=True,
                          preview_size=list(PREVIEW_SIZE), preview_position=list(PREVIEW_POSITION))
    with CompositorHarness(output=output, headless=False, keyboard=True) as show:
        status = show.status()
        assert status.status == "ready", status.detail
        assert status.detail.endswith(", preview 480x270 on 'screen'")
        show.start(frames=None, lead=0.05)
        show.deliver(0, pixels=quadrant_frame())
        yield show
        assert show.finish().status == "finished"


def cut(image: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    x, y, width, height = box
    return image[y:y + height, x:x + width]


def hud_text_in(picture: np.ndarray) -> bool:
    return bool(np.any(np.all(picture[HUD_AREA] > 200, axis=2)))


def wait_for_windows(display: str, title: str, count: int, timeout: float = 5.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while len(found := windows(display, title)) != count and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def test_the_preview_is_a_second_window_where_it_was_asked(preview_show, screen):
    [output], [preview] = windows(screen, OUTPUT_TITLE), windows(screen, PREVIEW_TITLE)
    assert geometry(screen, output)[2:] == (640, 360)
    assert geometry(screen, preview) == (*PREVIEW_POSITION, *PREVIEW_SIZE)


def test_the_preview_shows_the_output_downscaled_with_the_hud(preview_show, screen):
    output_box = geometry(screen, windows(screen, OUTPUT_TITLE)[0])
    preview_box = geometry(screen, windows(screen, PREVIEW_TITLE)[0])
    # Wait until both windows have drawn the frame: the preview is drawn after the output,
    # so a screenshot can catch the output updated and the preview not yet.
    image = wait_for_screen(screen, lambda im: near(cut(im, output_box)[90, 160], (255, 0, 0))
                            and near(cut(im, preview_box)[200, 100], (0, 0, 255))
                            and hud_text_in(cut(im, preview_box)))
    output, preview = cut(image, output_box), cut(image, preview_box)
    assert hud_text_in(preview) and not hud_text_in(output)   # the show's HUD is off
    expected = cv2.resize(output, PREVIEW_SIZE, interpolation=cv2.INTER_AREA).astype(int)
    difference = np.abs(preview.astype(int) - expected).max(axis=2)
    difference[HUD_AREA] = 0
    # Equal but for the edges between colours, which the two upscales blur differently.
    assert np.mean(difference > 24) < 0.02
    assert near(preview[200, 100], (0, 0, 255)) and near(preview[200, 400], (255, 255, 255))


def test_keys_pressed_in_the_preview_act_as_in_the_output_window(preview_show, screen):
    [preview] = windows(screen, PREVIEW_TITLE)
    environment = {**os.environ, "DISPLAY": screen}
    subprocess.run(["xdotool", "windowfocus", "--sync", str(preview)], env=environment, check=True)
    focused = subprocess.run(["xdotool", "getwindowfocus"], env=environment, capture_output=True,
                             text=True, check=True).stdout
    assert int(focused) == preview
    subprocess.run(["xdotool", "key", "3"], env=environment, check=True)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not any(
            isinstance(m, Intent) for m in preview_show.others):
        preview_show.wait_until(time.monotonic() + 0.05)
    events = [(m.source, m.name, m.action, m.value) for m in preview_show.others
              if isinstance(m, Intent)]
    assert events == [("keyboard", "network", "set", 2.0)]


def test_closing_the_preview_leaves_the_show_running(preview_show, screen):
    [preview] = windows(screen, PREVIEW_TITLE)
    request_close(screen, preview)
    assert wait_for_windows(screen, PREVIEW_TITLE, 0) == []
    assert len(windows(screen, OUTPUT_TITLE)) == 1
    # The output window still shows new frames (one due a little ahead, so it is not late).
    upcoming = math.ceil((time.monotonic() - preview_show.t0) * preview_show.spec.fps) + 3
    preview_show.deliver(upcoming, colour=(0, 160, 0))
    output_box = geometry(screen, windows(screen, OUTPUT_TITLE)[0])
    image = wait_for_screen(screen, lambda im: near(cut(im, output_box)[180, 320], (0, 160, 0)))
    assert near(cut(image, output_box)[180, 320], (0, 160, 0))
    assert preview_show.process.is_alive()
    assert not any(isinstance(m, Intent) and m.name == "quit" for m in preview_show.others)


def test_without_preview_there_is_one_window(x_display):
    with CompositorHarness(output=OutputConfig(width=160, height=120), headless=False) as show:
        status = show.status()
        assert status.status == "ready" and "preview" not in status.detail
        assert len(windows(x_display, "gance-live")) == 1
        assert show.finish().status == "finished"


@pytest.mark.parametrize("headless, mode", [(True, "live"), (False, "render")])
def test_the_preview_is_ignored_headless_and_when_rendering(x_display, headless, mode):
    output = OutputConfig(width=160, height=120, preview=True)
    with CompositorHarness(output=output, headless=headless, mode=mode) as show:
        status = show.status()
        assert status.status == "ready" and "preview" not in status.detail
        assert len(windows(x_display, "gance-live")) == (0 if headless else 1)
        assert show.finish().status == "finished"


def test_unknown_preview_monitor_is_an_error_listing_the_monitors(x_display):
    output = OutputConfig(width=160, height=120, preview=True, preview_monitor="laptop-7")
    with CompositorHarness(output=output, headless=False) as show:
        status = show.status()
    assert status.status == "error"
    assert "[output] preview_monitor 'laptop-7': no such monitor; connected: 0: 'screen'" \
        in status.detail
