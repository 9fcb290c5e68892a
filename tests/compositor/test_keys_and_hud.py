"""Window keys to intents (with the quit confirmation), and the HUD's pieces."""

import numpy as np

from live.compositor.keys import QUIT_CONFIRM_SECONDS, KeyboardControl
from live.contracts.frames import frame_budget
from live.overlay.hud import HudStats, RateMeter, render_text, warning


def test_keys_map_through_the_control_concern_to_intents():
    keys = KeyboardControl()
    assert keys.press("3", now=0.0) == [("network", "set", 2.0)]
    # A toggle stays a toggle: the window keeps no state to flip it from.
    assert keys.press("b", now=0.1) == [("blackout", "toggle", 1.0)]
    assert keys.press("b", now=0.2) == [("blackout", "toggle", 1.0)]
    # Function keys recall scene N, with shift they save it (the window names them so).
    assert keys.press("f3", now=0.3) == [("scene_recall", "fire", 3.0)]
    assert keys.press("shift+f8", now=0.4) == [("scene_save", "fire", 8.0)]
    assert keys.press("shift+f9", now=0.5) == []


def test_the_window_names_function_keys_with_shift():
    import glfw

    from live.compositor.window import key_name
    assert key_name(glfw.KEY_F1) == "f1" and key_name(glfw.KEY_F8, glfw.MOD_SHIFT) == "shift+f8"
    assert key_name(glfw.KEY_A, glfw.MOD_SHIFT) == "a"    # letters stay themselves


def test_escape_needs_a_confirmation():
    keys = KeyboardControl()
    assert keys.press("escape", now=10.0) == []
    assert keys.prompt(10.5) is not None
    assert keys.press("y", now=11.0) == [("quit", "fire", 1.0)]
    assert keys.prompt(11.0) is None


def test_escape_then_another_key_or_waiting_does_not_quit():
    keys = KeyboardControl()
    keys.press("escape", now=0.0)
    assert keys.press("h", now=0.5) == [("hud", "toggle", 1.0)]
    assert keys.press("y", now=0.6) == []
    keys.press("escape", now=1.0)
    assert keys.press("escape", now=1.0 + QUIT_CONFIRM_SECONDS + 0.1) == []
    assert keys.prompt(1.0 + QUIT_CONFIRM_SECONDS + 0.2) is not None   # that Esc asked again


def test_rate_meter_counts_events_per_second():
    meter = RateMeter(window=2.0)
    for i in range(31):
        meter.tick(i / 30)
    assert abs(meter.rate(1.0) - 30.0) < 1e-6
    assert meter.rate(10.0) == 0.0


def test_hud_text_image_has_text_on_a_translucent_panel():
    stats = HudStats()
    stats.dropped, stats.network, stats.alpha, stats.latency = 4, 2, 0.75, 0.042
    lines = stats.lines(now=0.0)
    assert "dropped 4" in lines[1] and "42 ms" in lines[1] and "network 3" in lines[2]  # shown 1-based, as the keys pick them
    image = render_text(lines)
    assert image.dtype == np.uint8 and image.shape[2] == 4
    assert image[..., 3].min() >= 160                 # panel everywhere
    assert (image[..., :3] > 200).any()               # and white text on it
    assert not amber_pixels(image).any()


def test_a_warning_line_is_drawn_in_amber_and_its_mark_is_not_drawn():
    plain = render_text(["GPU0 83C/85C"])
    marked = render_text([warning("GPU0 83C/85C")])
    assert plain.shape == marked.shape                # the mark takes no room
    assert amber_pixels(marked).sum() > 50 and not amber_pixels(plain).any()


def amber_pixels(image: np.ndarray) -> np.ndarray:
    """Pixels of the warning colour (red high, blue low), anti-aliased edges included."""
    red, blue = image[..., 0].astype(int), image[..., 2].astype(int)
    return (red > 150) & (red - blue > 100)


def test_hud_sums_up_the_frame_budget_stage_by_stage():
    stats = HudStats()
    assert stats.lines(now=0.0)[3] == "budget ms: --"
    for synth in (0.010, 0.020, 0.030):   # the median frame: 1+2+0+20+5+1 = 29 ms
        record = {"t_audio": 1.0, "t_features": 1.001, "t_dispatch": 1.003,
                  "t_synth_start": 1.003, "t_synth_end": 1.003 + synth,
                  "t_shown": 1.008 + synth, "t_swapped": 1.009 + synth}
        stats.frame_budget(frame_budget(record))
    assert stats.budget_line() == \
        "budget ms: features 1 bind 2 queue 0 synth 20 upload 5 swap 1 = 29"
    assert abs(stats.latency - 0.039) < 1e-9          # the newest frame, hop to swap
    assert frame_budget({**record, "t_swapped": None}) is None   # replaced before any swap
