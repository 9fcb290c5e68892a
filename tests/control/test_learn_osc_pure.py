"""The learn language and the OSC tree, without ports."""

from __future__ import annotations

import pytest

from live.control.learn import LearnRequest, describe
from live.control.midi import MidiMessage
from live.control.osc import events_for_osc, state_messages
from live.contracts.parameters import PARAMETERS
from live.contracts.state import ShowState

FADER = MidiMessage("cc", 1, 7, 90)
PAD = MidiMessage("note", 10, 36, 100)


@pytest.mark.parametrize("answer,message,mode,target,extra", [
    ("gain", FADER, "set", "gain", {"low": 0.0, "high": 1.0, "pickup": True}),
    ("tempo", FADER, "set", "tempo", {"low": 20.0, "high": 300.0}),
    ("gain relative", FADER, "nudge", "gain", {"step": 0.01}),
    ("network relative", FADER, "nudge", "network", {"step": 1.0}),
    ("gain 0.8", PAD, "press", "gain", {"value": 0.8}),
    ("network 2", PAD, "press", "network", {"value": 2.0}),
    ("crossfade_to 5", FADER, "press", "crossfade_to", {"value": 5.0}),
    ("blackout", PAD, "toggle", "blackout", {}),
    ("freeze hold", FADER, "hold", "freeze", {}),
    ("next_network", PAD, "press", "next_network", {}),
    ("tap_tempo", PAD, "press", "tap_tempo", {}),
])
def test_answers_make_bindings_for_the_moved_control(answer, message, mode, target, extra):
    binding = LearnRequest.parse(answer).binding_for(message)
    assert binding.control == message.control
    assert (binding.mode, binding.target) == (mode, target)
    for key, value in extra.items():
        assert getattr(binding, key) == pytest.approx(value)
    assert target in describe(binding)


@pytest.mark.parametrize("answer,problem", [
    ("", "empty answer"), ("volume", "unknown parameter 'volume'"),
    ("quit", "unknown parameter 'quit'"), ("network", "say which one"),
    ("gain hold", "'hold' is for on/off"), ("blackout relative", "'relative' is for number"),
    ("gain 1 2", "two values"), ("gain loud", "'loud' is neither"),
])
def test_bad_answers_say_why(answer, problem):
    with pytest.raises(ValueError, match=problem):
        LearnRequest.parse(answer)


def test_answers_that_do_not_fit_the_control_say_why():
    with pytest.raises(ValueError, match="a pad sets gain to one value"):
        LearnRequest.parse("gain").binding_for(PAD)
    with pytest.raises(ValueError, match="cannot be a relative encoder"):
        LearnRequest.parse("speed relative").binding_for(PAD)


@pytest.mark.parametrize("address,args,events", [
    ("/live/gain", [0.3], [("gain", 0.3)]),
    ("/live/network", [2], [("network", 2.0)]),
    ("/live/blackout", [True], [("blackout", 1.0)]),
    ("/live/network/next", [], [("next_network", 1.0)]),
    ("/live/network/previous", [1.0], [("previous_network", 1.0)]),
    ("/live/network/previous", [0.0], []),            # a button's release
    ("/live/tap", [], [("tap_tempo", 1.0)]),
    ("/live/gain", [], None), ("/live/gain", [0.1, 0.2], None), ("/live/gain", ["x"], None),
    ("/live/volume", [1.0], None), ("/other/gain", [1.0], None), ("/live/tap", ["x"], None),
])
def test_osc_messages_to_events(address, args, events):
    assert events_for_osc(address, args) == events


def test_state_goes_out_typed_for_touchosc():
    sent = state_messages(ShowState(network=3, blackout=True))
    assert set(sent) == {f"/live/{p.name}" for p in PARAMETERS}
    assert sent["/live/network"] == 3 and isinstance(sent["/live/network"], int)
    assert sent["/live/blackout"] == 1.0 and isinstance(sent["/live/blackout"], float)
