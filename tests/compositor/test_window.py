"""The window path under Xvfb: fullscreen, live placement, look, HUD and keys, by screenshot.

One compositor process runs fullscreen on a 640x360 virtual monitor; placement and look
changes are sent live (a new OutputConfig on its inbox), and each is checked on screen.
The frame is 64x64 with four coloured quadrants, so orientation shows too.
"""

import dataclasses
import math
import os
import subprocess
import time

import numpy as np
import pytest

from live.compositor.config import OutputConfig
from live.compositor.renderer import AT_REST
from live.compositor.window import choose_monitor, display_available, list_monitors
from live.contracts.state import Intent
from live.contracts.messages import DisplayState
from tests.compositor.harness import CompositorHarness
from tests.support.showrun import decode_frames, ffprobe
from tests.support.xvfb import screenshot

pytestmark = pytest.mark.display

RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)
BACKGROUND = (0, 0, 128)


def quadrant_frame():
    frame = np.zeros((64, 64, 4), np.uint8)
    frame[:32, :32, :3], frame[:32, 32:, :3] = RED, GREEN
    frame[32:, :32, :3], frame[32:, 32:, :3] = BLUE, WHITE
    frame[..., 3] = 255
    return frame


def near(pixel, colour, tolerance=24):
    return bool(np.abs(np.asarray(pixel, int) - colour).max() <= tolerance)


def wait_for_screen(display, check, timeout=5.0):
    """Screenshots until ``check(image)`` holds; returns the last image either way."""
    deadline = time.monotonic() + timeout
    while True:
        image = screenshot(display)
        if check(image) or time.monotonic() > deadline:
            return image


@pytest.fixture(scope="module")
def fullscreen_show(x_display):
    output = OutputConfig(width=640, height=360, fullscreen=True, placement="fit",
                          background=[b / 255 for b in BACKGROUND], fade_time=0.2)
    with CompositorHarness(output=output, headless=False, keyboard=True) as show:
        status = show.status()
        assert status.status == "ready", status.detail
        assert "fullscreen on 'screen' 640x360" in status.detail   # the window is the monitor
        show.start(frames=None, lead=0.05)
        show.deliver(0, pixels=quadrant_frame())
        yield show
        assert show.finish().status == "finished"


def place(show, **changes):
    """Send the module's fullscreen output with ``changes``, live (earlier changes undone)."""
    show.inbox.put(dataclasses.replace(show.spec.output, **changes))


def quadrants_at(image, centres):
    return [tuple(image[y, x]) for x, y in centres]


def test_display_and_monitor_listing(x_display):
    assert display_available()
    monitors = list_monitors()
    assert monitors[0]["size"] == (640, 360) and monitors[0]["position"] == (0, 0)
    with pytest.raises(Exception, match=r"monitor 'projector-9': no such monitor; connected: 0: "):
        choose_monitor(monitors, "projector-9")
    assert choose_monitor(monitors, "0") == monitors[0]


def test_no_display_is_reported(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert not display_available()


def test_fullscreen_fill_covers_the_whole_monitor(fullscreen_show, x_display):
    place(fullscreen_show, placement="fill")
    centres = [(160, 20), (480, 20), (160, 340), (480, 340)]
    image = wait_for_screen(x_display, lambda im: near(im[20, 160], RED) and near(im[340, 480], WHITE))
    assert all(near(p, c) for p, c in zip(quadrants_at(image, centres), (RED, GREEN, BLUE, WHITE)))
    assert near(image[0, 0], RED) and near(image[359, 639], WHITE)
    assert not np.any(np.all(image == BACKGROUND, axis=2))


def test_fit_leaves_background_bars(fullscreen_show, x_display):
    place(fullscreen_show, placement="fit")
    image = wait_for_screen(x_display, lambda im: near(im[180, 50], BACKGROUND, 2))
    assert near(image[180, 50], BACKGROUND, 2) and near(image[180, 600], BACKGROUND, 2)
    assert near(image[180, 135], BACKGROUND, 2) and not near(image[180, 145], BACKGROUND, 2)
    centres = [(230, 90), (410, 90), (230, 270), (410, 270)]
    assert all(near(p, c) for p, c in zip(quadrants_at(image, centres), (RED, GREEN, BLUE, WHITE)))


def test_size_and_position(fullscreen_show, x_display):
    place(fullscreen_show, placement="size", frame_size=[200, 100], position=[0.25, 0.75])
    image = wait_for_screen(x_display, lambda im: near(im[245, 110], RED))
    centres = [(110, 245), (210, 245), (110, 295), (210, 295)]
    assert all(near(p, c) for p, c in zip(quadrants_at(image, centres), (RED, GREEN, BLUE, WHITE)))
    assert near(image[200, 160], BACKGROUND, 2) and near(image[270, 300], BACKGROUND, 2)


@pytest.mark.parametrize("rotation, mirror, expected", [
    (90, "none", (BLUE, RED, WHITE, GREEN)),
    (0, "horizontal", (GREEN, RED, WHITE, BLUE)),
    (180, "vertical", (GREEN, RED, WHITE, BLUE)),
])
def test_rotation_and_mirror(fullscreen_show, x_display, rotation, mirror, expected):
    place(fullscreen_show, placement="fit", rotation=rotation, mirror=mirror)
    centres = [(230, 90), (410, 90), (230, 270), (410, 270)]
    image = wait_for_screen(x_display, lambda im: near(im[90, 230], expected[0])
                            and near(im[270, 410], expected[3]))
    assert all(near(p, c) for p, c in zip(quadrants_at(image, centres), expected))


def test_contrast_and_gamma(fullscreen_show, x_display):
    place(fullscreen_show, contrast=0.0, gamma=2.0)
    # Contrast 0 makes every colour mid grey (0.5); gamma 2 lifts it to 0.5 ** 0.5.
    image = wait_for_screen(x_display, lambda im: near(im[90, 230], (180, 180, 180), 2))
    assert near(image[90, 230], (180, 180, 180), 2) and near(image[270, 410], (180, 180, 180), 2)
    place(fullscreen_show)


def test_blackout_fades_everything_to_black_and_back(fullscreen_show, x_display):
    place(fullscreen_show)
    fullscreen_show.inbox.put(DisplayState(blackout=True, hud=False, hud_lines=()))
    image = wait_for_screen(x_display, lambda im: im.max() == 0)
    assert image.max() == 0
    fullscreen_show.inbox.put(DisplayState(blackout=False, hud=False, hud_lines=()))
    image = wait_for_screen(x_display, lambda im: near(im[90, 230], RED))
    assert near(image[90, 230], RED) and near(image[180, 50], BACKGROUND, 2)


def test_hud_draws_text_over_the_output(fullscreen_show, x_display):
    def hud_region_has_text(image):
        return bool(np.any(np.all(image[16:140, 16:140] > 200, axis=2)))

    assert not hud_region_has_text(screenshot(x_display))
    fullscreen_show.inbox.put(DisplayState(blackout=False, hud=True, hud_lines=("show: test",)))
    assert hud_region_has_text(wait_for_screen(x_display, hud_region_has_text))
    fullscreen_show.inbox.put(DisplayState(blackout=False, hud=False, hud_lines=()))
    assert not hud_region_has_text(wait_for_screen(x_display, lambda im: not hud_region_has_text(im)))


def test_trails_turned_on_as_the_picture_changes_trail_the_picture_on_screen(
        fullscreen_show, x_display):
    """The live window's trails (issue 11): with late binding a picture change often lands
    in the very period the trails come on, so they must start from the picture on screen
    when they are turned on, not from that period's new frame."""
    show, dark = fullscreen_show, (40, 40, 40)
    place(show)
    trails = AT_REST._replace(feedback=1.0, trail_time=10.0)   # a tenth left after 10 s
    # Half a period before the next one: the trails, then that period's darker frame.
    period = math.floor((time.monotonic() - show.t0) * show.spec.fps) + 1
    show.wait_until(show.due(period) - 0.5 / show.spec.fps)
    show.inbox.put(DisplayState(blackout=False, hud=False, hud_lines=(), look=trails))
    show.deliver(period, colour=dark)
    # The new frame is on screen (green in the red quadrant) under the red quadrant's trail,
    # fading to a tenth in 10 s: 100 is reached after 4 s, 40 would be no trail at all.
    image = wait_for_screen(x_display, lambda im: im[90, 230, 1] >= dark[1] - 4)
    assert near(image[90, 230, 1:], dark[1:], 4) and image[90, 230, 0] > 100, image[90, 230]
    assert near(image[270, 410], (image[90, 230, 0],) * 3, 4)   # white fades as red does
    # Short trails: the new frame alone.
    show.inbox.put(DisplayState(blackout=False, hud=False, hud_lines=(),
                                look=trails._replace(trail_time=0.05)))
    image = wait_for_screen(x_display, lambda im: near(im[90, 230], dark, 2))
    assert near(image[90, 230], dark, 2) and near(image[270, 410], dark, 2)
    show.inbox.put(DisplayState(blackout=False, hud=False, hud_lines=()))
    show.deliver(period + 1, pixels=quadrant_frame())


def test_keys_become_intents_and_quit_needs_confirmation(fullscreen_show, x_display):
    environment = {**os.environ, "DISPLAY": x_display}
    for key in ("2", "Up", "Escape", "h", "Escape", "y"):
        subprocess.run(["xdotool", "key", key], env=environment, check=True)
    deadline = time.monotonic() + 5
    events = []
    while time.monotonic() < deadline and not any(e.name == "quit" for e in events):
        fullscreen_show.wait_until(time.monotonic() + 0.1)
        events = [m for m in fullscreen_show.others if isinstance(m, Intent)]
    # The window says what the keys want; the conductor resolves that against the state.
    assert [(e.source, e.name, e.action, e.value) for e in events] == [
        ("keyboard", "network", "set", 1.0), ("keyboard", "gain", "up", 1.0),
        ("keyboard", "hud", "toggle", 1.0), ("keyboard", "quit", "fire", 1.0)]


def test_unknown_monitor_is_an_error_listing_the_monitors(x_display):
    output = OutputConfig(fullscreen=True, monitor="projector-9")
    with CompositorHarness(output=output, headless=False) as show:
        status = show.status()
    assert status.status == "error"
    assert "projector-9" in status.detail and "0: 'screen' 640x360" in status.detail


def test_window_records_one_frame_per_period_without_the_hud(x_display, tmp_path):
    record = tmp_path / "window.mp4"
    output = OutputConfig(width=160, height=120, hud=True, placement="stretch")
    with CompositorHarness(output=output, headless=False, record_path=str(record)) as show:
        assert show.status().status == "ready"
        show.start(frames=20, lead=0.1)
        for index in range(20):
            show.deliver(index, colour=(100 + 5 * index, 60, 60))
        final = show.finish(reason=None)
    assert final.status == "finished" and final.detail == str(record)
    streams = ffprobe(record)
    assert int(streams["video"]["nb_read_frames"]) == 20
    assert (streams["video"]["width"], streams["video"]["height"]) == (160, 120)
    first = decode_frames(record, 160, 120)[0]
    # The HUD's white text is on the window only: the recording's corner is the frame colour.
    assert near(first[30, 30], (100, 60, 60), 6)
