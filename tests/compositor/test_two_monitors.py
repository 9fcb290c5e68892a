"""The output lands on the chosen monitor: a laptop screen and a projector under sway.

sway's headless backend gives two outputs, HEADLESS-1 (the laptop, 1280x720 at the left)
and HEADLESS-2 (the projector, 1920x1080 beside it), with Xwayland. A real show runs with
``[output] monitor = "1"``, fullscreen, and its preview on monitor 0, twice: as a native
Wayland client (glfw's Wayland library, chosen because ``WAYLAND_DISPLAY`` is set), and as
an X11 client of Xwayland (``PYGLFW_LIBRARY_VARIANT=x11``), where sway puts a fullscreen
request on the focused output, and the output becomes a borderless window over the
projector that sway leaves alone. Each output's screenshot (grim) shows where things went.
Where a rule of sway's own moves the output to the laptop, the log and the HUD say so.
The network plays no part in where windows go: synthetic workers (real processes writing
real frames, a moving gradient) start three times sooner than the demo network's.
"""

import contextlib
import time

import numpy as np
import pytest

from live.compositor.config import OutputConfig
from live.overlay.hud import WARNING_RGBA
from tests.compositor.harness import CompositorHarness
from tests.support.showrun import DEMO, interrupt, start_cli, wait_for_frames
from tests.support.sway import SwayUnavailable, sway

pytestmark = pytest.mark.display

LAPTOP, PROJECTOR = (1280, 720), (1920, 1080)
BACKGROUND = (0, 0, 128)        # the show's bars around its square frame: the show's own
FRAME_SIDE = PROJECTOR[1]       # "fit": a square frame fills the projector's height


@contextlib.contextmanager
def laptop_and_projector(rules: tuple[str, ...] = ()):
    """sway with the two outputs (and its config's extra ``rules``), or the test skipped."""
    try:
        with sway([LAPTOP, PROJECTOR], rules) as desktop:
            yield desktop
    except SwayUnavailable as reason:
        pytest.skip(str(reason))


@pytest.fixture(scope="module")
def desktop():
    with laptop_and_projector() as running:
        yield running


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


def test_an_output_moved_elsewhere_is_named_in_the_log_and_the_hud(monkeypatch):
    """A compositor process (natively on Wayland) whose fullscreen output a rule of sway's
    moves to the laptop: its warning says where it went, and its HUD shows it."""
    rule = 'for_window [title="^gance-live$"] move container to output HEADLESS-1'
    with laptop_and_projector((rule,)) as desktop:
        for name, value in {**desktop.wayland_env, "PYGLFW_LIBRARY_VARIANT": "wayland"}.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("DISPLAY", raising=False)
        output = OutputConfig(width=128, height=96, fullscreen=True, monitor="1", hud=True)
        with CompositorHarness(output=output, headless=False) as show:
            warning = show.status()
            assert warning.status == "warning", warning.detail
            assert warning.detail == ("[output] monitor '1': the output is 1280x720, the size "
                                      "of 0: 'HEADLESS-1', not of 1: 'HEADLESS-2'")
            assert show.status().status == "ready"
            show.start(frames=None, lead=0.05)
            show.deliver(0, colour=(40, 40, 40))
            deadline = time.monotonic() + 30
            while not amber_text_on(desktop.screenshot("HEADLESS-1")):
                assert time.monotonic() < deadline, "no warning on the HUD, on the laptop screen"
                show.wait_until(time.monotonic() + 0.2)
            assert show.finish().status == "finished"


def amber_text_on(image: np.ndarray) -> bool:
    """Whether the HUD's warning colour is drawn somewhere on ``image``."""
    return bool(np.any(np.all(np.abs(image.astype(int) - WARNING_RGBA[:3]) <= 24, axis=2)))
