"""The output lands on the chosen monitor: a laptop screen and a projector under sway.

sway's headless backend gives two outputs, HEADLESS-1 (the laptop, 1280x720 at the left)
and HEADLESS-2 (the projector, 1920x1080 beside it), with Xwayland. A real show runs with
``[output] monitor = "1"``, fullscreen, and its preview on monitor 0, twice: as a native
Wayland client (glfw's Wayland library, chosen because ``WAYLAND_DISPLAY`` is set), and as
an X11 client of Xwayland (``PYGLFW_LIBRARY_VARIANT=x11``), where sway puts a fullscreen
request on the focused output, and the output becomes a borderless window over the
projector that sway leaves alone. Each output's screenshot (grim) shows where things went.
The network plays no part in where windows go: synthetic workers (real processes writing
real frames, a moving gradient) start three times sooner than the demo network's.
"""

import numpy as np
import pytest

from tests.support.showrun import DEMO, interrupt, start_cli, wait_for_frames
from tests.support.sway import SwayUnavailable, sway

pytestmark = pytest.mark.display

LAPTOP, PROJECTOR = (1280, 720), (1920, 1080)
BACKGROUND = (0, 0, 128)        # the show's bars around its square frame: the show's own
FRAME_SIDE = PROJECTOR[1]       # "fit": a square frame fills the projector's height


@pytest.fixture(scope="module")
def desktop():
    try:
        with sway([LAPTOP, PROJECTOR]) as running:
            yield running
    except SwayUnavailable as reason:
        pytest.skip(str(reason))


def play_and_look(desktop, tmp_path, display_env: dict[str, str]):
    """Run the show until it has shown frames: the two outputs' screenshots, the windows
    sway manages then, and the show's log."""
    log = tmp_path / "frames.jsonl"
    show = start_cli("run", DEMO, "--seconds", 60, "--frame-log", log,
                     "--set", 'networks.files=["demo:0"]', "--set", "engine.workers=1",
                     "--set", 'engine.synthesis="synthetic"', "--set", "engine.synthetic_size=256",
                     "--set", "output.fullscreen=true",
                     "--set", 'output.monitor="1"', "--set", "output.preview=true",
                     "--set", 'output.preview_monitor="0"', "--set", "output.hud=false",
                     "--set", f"output.background={[c / 255 for c in BACKGROUND]}",
                     display_env=display_env)
    try:
        wait_for_frames(log, 3, show)
        laptop, projector = (desktop.screenshot(output) for output in desktop.outputs)
        views = {view["title"]: view for view in desktop.views()}
    finally:
        interrupt(show)
    stdout, stderr = show.communicate()
    assert show.returncode == 0, stderr
    return laptop, projector, views, stderr


def assert_the_show_fills_the_projector(projector: np.ndarray) -> None:
    assert projector.shape[:2] == (PROJECTOR[1], PROJECTOR[0])
    bar = (PROJECTOR[0] - FRAME_SIDE) // 2
    # Bars of the show's background left and right: the output window covers the projector
    # at the projector's size (sway's own background is grey).
    for columns in (slice(8, bar - 8), slice(PROJECTOR[0] - bar + 8, PROJECTOR[0] - 8)):
        assert np.all(np.abs(projector[:, columns].astype(int) - BACKGROUND) <= 2)
    picture = projector[:, bar + 8:PROJECTOR[0] - bar - 8].astype(np.float32)
    assert picture.std() > 20, "the projector does not show the show's picture"


def assert_the_preview_is_on_the_laptop(laptop: np.ndarray) -> None:
    assert laptop.shape[:2] == (LAPTOP[1], LAPTOP[0])
    # sway tiles the preview over the laptop's screen: the show's picture, with its bars.
    matches_background = np.all(np.abs(laptop.astype(int) - BACKGROUND) <= 2, axis=2)
    assert matches_background.mean() > 0.1, "no preview of the show on the laptop screen"
    assert laptop.astype(np.float32).std() > 20


def test_native_wayland_puts_the_output_on_the_projector(desktop, tmp_path):
    laptop, projector, views, log = play_and_look(desktop, tmp_path, desktop.wayland_env)
    assert_the_show_fills_the_projector(projector)
    assert_the_preview_is_on_the_laptop(laptop)
    assert views["gance-live"]["output"] == "HEADLESS-2" and views["gance-live"]["fullscreen"]
    assert views["gance-live preview"]["output"] == "HEADLESS-1"
    assert "window manager" not in log and "[output] monitor" not in log, log   # it landed


def test_on_xwayland_a_borderless_window_lands_where_fullscreen_did_not(desktop, tmp_path):
    x11 = {**desktop.wayland_env, **desktop.x11_env, "PYGLFW_LIBRARY_VARIANT": "x11"}
    laptop, projector, views, log = play_and_look(desktop, tmp_path, x11)
    assert_the_show_fills_the_projector(projector)
    assert_the_preview_is_on_the_laptop(laptop)
    # The output is override-redirect now: sway manages only the preview.
    assert set(views) == {"gance-live preview"}
    assert views["gance-live preview"]["output"] == "HEADLESS-1"
    assert "the window manager put the fullscreen output elsewhere" in log, log
    assert "[output] monitor" not in log, log   # the borderless window did land
