"""MidiMap alone: parsing, curves, encoders, buttons, soft takeover, files and learning."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from live.contracts.errors import ConfigError
from live.control.learn import LearnRequest
from live.control.midi import ACTIONS, MidiMap, MidiMessage, decode_relative
from live.contracts.parameters import parameter
from live.contracts.state import ShowState


def make_map(tmp_path: Path, text: str, header: str = 'name = "test"\nport = "x"\n') -> MidiMap:
    path = tmp_path / "map.toml"
    path.write_text(header + text)
    return MidiMap.load(path)


def test_messages_parse_by_kind_and_channel():
    assert MidiMessage.from_bytes([0xB3, 7, 100]) == MidiMessage("cc", 4, 7, 100)
    assert MidiMessage.from_bytes([0x90, 60, 1]) == MidiMessage("note", 1, 60, 1)
    assert MidiMessage.from_bytes([0x90, 60, 0]).kind == "note_off"
    assert MidiMessage.from_bytes([0x8F, 60, 64]) == MidiMessage("note_off", 16, 60, 64)
    assert MidiMessage.from_bytes(MidiMessage("cc", 16, 1, 2).to_bytes()) == \
        MidiMessage("cc", 16, 1, 2)


@pytest.mark.parametrize("data", [[], [0xB0, 7], [0xB0, 7, 128], [0x07, 7, 7],
                                  [0xE0, 0, 64], [0xF0, 1, 0xF7], [0xB0, 7, 1, 2]])
def test_malformed_or_unbindable_messages_parse_to_none(data):
    assert MidiMessage.from_bytes(data) is None


def test_absolute_cc_scales_linearly_and_exponentially(tmp_path):
    m = make_map(tmp_path, """
[[bind]]
cc = 1
set = "gain"
[[bind]]
cc = 2
set = "speed"
range = [0.25, 4.0]
curve = "exponential"
[[bind]]
cc = 3
set = "crossfade_to"
range = [0, 7]
""")
    assert m.translate([0xB0, 1, 0]) == [("gain", 0.0)]
    assert m.translate([0xB0, 1, 127]) == [("gain", 1.0)]
    ((_, middle),) = m.translate([0xB0, 2, 64])
    assert math.isclose(middle, 0.25 * 16 ** (64 / 127))  # geometric: the middle is ~1.0
    assert m.translate([0xB0, 2, 127]) == [("speed", pytest.approx(4.0))]
    assert m.translate([0xB0, 3, 64]) == [("crossfade_to", 4.0)]  # an index is whole


@pytest.mark.parametrize("encoding,raw,ticks", [
    ("twos_complement", 1, 1), ("twos_complement", 127, -1), ("twos_complement", 120, -8),
    ("signed_bit", 3, 3), ("signed_bit", 65, -1), ("signed_bit", 70, -6),
    ("offset", 64, 0), ("offset", 65, 1), ("offset", 60, -4),
])
def test_relative_encodings(encoding, raw, ticks):
    assert decode_relative(raw, encoding) == ticks


def test_nudge_moves_from_the_followed_value_and_stops_at_the_limits(tmp_path):
    m = make_map(tmp_path, """
[[bind]]
cc = 16
nudge = "gain"
step = 0.1
encoding = "offset"
""")
    assert m.translate([0xB0, 16, 66]) == [("gain", pytest.approx(0.7))]  # from 0.5
    state = ShowState(gain=0.2)
    m.follow(state)
    assert m.translate([0xB0, 16, 63]) == [("gain", pytest.approx(0.1))]
    assert m.translate([0xB0, 16, 54]) == [("gain", 0.0)]


def test_buttons_press_toggle_and_hold(tmp_path):
    m = make_map(tmp_path, """
[[bind]]
note = 36
press = "network"
value = 2
[[bind]]
cc = 64
toggle = "blackout"
[[bind]]
note = 37
hold = "freeze"
[[bind]]
note = 38
press = "next_network"
""")
    assert m.translate([0x90, 36, 100]) == [("network", 2.0)]
    assert m.translate([0x80, 36, 0]) == []
    assert m.translate([0xB0, 64, 127]) == [("blackout", 1.0)]
    assert m.translate([0xB0, 64, 0]) == []  # the release of a toggle does nothing
    assert m.translate([0xB0, 64, 127]) == [("blackout", 0.0)]
    assert m.translate([0x90, 37, 90]) == [("freeze", 1.0)]
    assert m.translate([0x90, 37, 0]) == [("freeze", 0.0)]
    assert m.translate([0x90, 38, 1]) == [("next_network", 1.0)]
    assert m.translate([0x91, 38, 1]) == []  # another channel is another control


def test_pickup_waits_for_the_fader_to_reach_the_value(tmp_path):
    m = make_map(tmp_path, """
[[bind]]
cc = 0
set = "gain"
pickup = true
[[bind]]
cc = 1
set = "gain"
pickup = true
""")
    m.follow(ShowState(gain=0.5))
    assert m.translate([0xB0, 0, 0]) == []       # far below: held
    assert m.translate([0xB0, 0, 20]) == []
    assert m.translate([0xB0, 0, 70]) == [("gain", 70 / 127)]  # crossed 0.5: engaged
    assert m.translate([0xB0, 0, 10]) == [("gain", 10 / 127)]  # and follows from now on
    # The second fader takes over when it reaches the value; the first must then catch up.
    assert m.translate([0xB0, 1, 100]) == []
    assert m.translate([0xB0, 1, 10]) == [("gain", 10 / 127)]
    assert m.translate([0xB0, 1, 30]) == [("gain", 30 / 127)]
    assert m.translate([0xB0, 0, 11]) == []
    # A change from elsewhere (OSC, keyboard) makes an engaged fader wait again.
    m.follow(ShowState(gain=0.9))
    assert m.translate([0xB0, 1, 31]) == []
    assert m.translate([0xB0, 1, 115]) == [("gain", 115 / 127)]  # within 2 % of 0.9


def test_a_later_binding_of_the_same_control_wins(tmp_path):
    m = make_map(tmp_path, """
[[bind]]
cc = 5
set = "gain"
[[bind]]
cc = 5
set = "crossfade"
""")
    assert m.translate([0xB0, 5, 127]) == [("crossfade", 1.0)]
    assert len(m.bindings) == 1


def test_leds_show_the_active_choices(tmp_path):
    m = make_map(tmp_path, """
[[bind]]
note = 0
press = "network"
value = 0
[[bind]]
note = 1
press = "network"
value = 1
[[bind]]
cc = 9
toggle = "blackout"
[[bind]]
cc = 10
set = "gain"
""", header='name = "t"\nport = "x"\nled_on = 5\nled_off = 0\n')
    leds = {m.control: m.value for m in m.led_messages(ShowState(network=1, blackout=True))}
    assert leds == {("note", 1, 0): 0, ("note", 1, 1): 5, ("cc", 1, 9): 5}
    no_leds = make_map(tmp_path, '[[bind]]\nnote = 0\npress = "network"\nvalue = 0\n')
    assert no_leds.led_messages(ShowState()) == []


def test_learn_appends_and_the_file_loads_back(tmp_path):
    path = tmp_path / "mine.toml"
    m = MidiMap("mine", "nanoKONTROL2", channel=2, path=path)
    first = MidiMessage("cc", 2, 7, 0)
    m.learn(LearnRequest.parse("gain").binding_for(first))
    m.learn(LearnRequest.parse("network 3").binding_for(MidiMessage("note", 5, 40, 9)))
    m.learn(LearnRequest.parse("speed relative").binding_for(MidiMessage("cc", 2, 8, 1)))
    m.learn(LearnRequest.parse("crossfade").binding_for(first))  # re-learned: replaces gain
    again = MidiMap.load(path)
    assert again.port == "nanoKONTROL2" and again.channel == 2
    assert again.bindings == m.bindings
    assert again.translate([0xB1, 7, 127]) == []  # learned faders take over softly
    assert again.translate([0xB1, 7, 0]) == [("crossfade", 0.0)]
    assert again.translate([0xB1, 7, 127]) == [("crossfade", 1.0)]
    assert again.translate([0x94, 40, 100]) == [("network", 3.0)]
    assert again.translate([0xB1, 8, 2]) == [("speed", pytest.approx(1.0 + 2 * 0.16))]


def test_learning_into_a_commented_map_keeps_its_comments(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('# my rig\nname = "rig"\nport = "x"\n\n'
                    '[[bind]]  # fader\ncc = 1\nset = "gain"\n')
    m = MidiMap.load(path)
    m.learn(LearnRequest.parse("blackout").binding_for(MidiMessage("note", 1, 50, 100)))
    text = path.read_text()
    assert text.startswith("# my rig\n") and "[[bind]]  # fader" in text
    assert MidiMap.load(path).translate([0x90, 50, 1]) == [("blackout", 1.0)]


@pytest.mark.parametrize("text,message", [
    ('[[bind]]\ncc = 1\nset = "volume"\n', "[[bind]] #1: set: expected a number parameter"),
    ('[[bind]]\ncc = 1\nnote = 2\nset = "gain"\n', "exactly one of cc = N or note = N"),
    ('[[bind]]\ncc = 200\nset = "gain"\n', "cc: expected a number from 0 to 127, got 200"),
    ('[[bind]]\ncc = 1\nset = "gain"\ncurve = "exponential"\n', "both ends above zero"),
    ('[[bind]]\ncc = 1\ntoggle = "gain"\n', "toggle: expected an on/off parameter"),
    ('[[bind]]\nnote = 1\nnudge = "gain"\n', "nudge: expected a CC"),
    ('[[bind]]\ncc = 1\npress = "quit"\n', "expected a parameter or an action"),
    ('[[bind]]\ncc = 1\nset = "gain"\nrange = [0]\n', "range: expected two numbers"),
    ('[[bind]]\ncc = 1\nset = "gain"\nspeed = 3\n', "unknown key 'speed'"),
    ('colour = "red"\n', "unknown key 'colour'"),
    ('channel = 17\n', "channel: expected a channel from 1 to 16"),
    ('led_on = 3\n', "led_on and led_off together"),
])
def test_bad_maps_say_where_and_what(tmp_path, text, message):
    with pytest.raises(ConfigError) as caught:
        make_map(tmp_path, text, header="")
    assert str(caught.value).startswith(str(tmp_path / "map.toml") + ": ")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_missing_or_broken_map_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="no such MIDI map"):
        MidiMap.load(tmp_path / "nope.toml")
    (tmp_path / "bad.toml").write_text("[[bind]\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        MidiMap.load(tmp_path / "bad.toml")


@settings(max_examples=400, deadline=None)
@given(st.lists(st.integers(min_value=-300, max_value=300), max_size=6))
def test_any_bytes_translate_to_valid_events_or_nothing(data):
    m = MidiMap.load(Path(__file__).resolve().parents[2] / "config/midi/generic.toml")
    for name, value in m.translate(data):
        assert parameter(name) is not None or name in ACTIONS
        assert math.isfinite(value)


def test_pads_save_and_recall_scenes(tmp_path):
    m = make_map(tmp_path, '[[bind]]\nnote = 36\npress = "scene_save"\nvalue = 2\n\n'
                           '[[bind]]\nnote = 37\npress = "scene_recall"\nvalue = 2\n')
    assert m.translate([0x90, 36, 127]) == [("scene_save", 2.0)]
    assert m.translate([0x90, 37, 127]) == [("scene_recall", 2.0)]
