"""The output look, pure: built from [output], and the blackout fade's ramp."""

import pytest

from live.compositor.config import OutputConfig
from live.compositor.look import Fade, Look
from live.compositor.placement import Placement


def test_look_follows_the_output_config():
    output = OutputConfig(upscale="linear", placement="size", frame_size=[300, 200],
                          position=[0.1, 0.9], mirror="both", rotation=270,
                          background=[0.5, 0.25, 0.0], brightness=0.1, contrast=1.5, gamma=2.2)
    look = Look.from_output(output)
    assert look.method == "linear"
    assert look.placement == Placement("size", (300, 200), (0.1, 0.9), "both", 270)
    assert look.background == (0.5, 0.25, 0.0)
    assert (look.brightness, look.contrast, look.gamma) == (0.1, 1.5, 2.2)


def test_unknown_method_is_refused():
    with pytest.raises(ValueError, match="upscale method"):
        Look(method="lanczos")


def test_fade_ramps_over_the_fade_time_and_back():
    fade = Fade()
    levels = [fade.advance(blackout=True, seconds=0.1, fade_time=0.5) for _ in range(6)]
    assert levels == pytest.approx([0.8, 0.6, 0.4, 0.2, 0.0, 0.0])
    assert not fade.moving(blackout=True) and fade.moving(blackout=False)
    assert fade.advance(blackout=False, seconds=0.25, fade_time=0.5) == pytest.approx(0.5)


def test_zero_fade_time_cuts_at_once():
    fade = Fade()
    assert fade.advance(blackout=True, seconds=0.01, fade_time=0.0) == 0.0
