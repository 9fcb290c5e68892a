"""Each shipped map against its controller's factory messages (from the makers' docs)."""

from __future__ import annotations

import pytest

from live.control.midi import MidiMap
from live.contracts.state import ShowState

from tests.control.conftest import MAPS

NOTE_ON, CC = 0x90, 0xB0
NEXT, PREVIOUS = ("next_network", 1.0), ("previous_network", 1.0)

# file: (ALSA port name of the controller, MIDI channel, faders {cc: (parameter, low, high)},
#        buttons [(status, number) pressed -> events], pads that light for network 0..7)
FACTORY = {
    "korg-nanokontrol2.toml": (
        "nanoKONTROL2:nanoKONTROL2 MIDI 1 20:0", 1,
        {0: ("gain", 0.0, 1.0), 1: ("crossfade", 0.0, 1.0), 2: ("truncation_psi", 0.0, 1.5),
         3: ("speed", 0.1, 4.0), 23: ("tempo", 60.0, 180.0)},
        [((CC, 32), [("network", 0.0)]), ((CC, 39), [("network", 7.0)]),   # S1, S8
         ((CC, 48), [("crossfade_to", 0.0)]), ((CC, 55), [("crossfade_to", 7.0)]),  # M1, M8
         ((CC, 64), [("blackout", 1.0)]), ((CC, 65), [("freeze", 1.0)]),  # R1, R2
         ((CC, 66), [("hud", 1.0)]), ((CC, 58), [PREVIOUS]), ((CC, 59), [NEXT]),
         ((CC, 46), [("tap_tempo", 1.0)]), ((CC, 68), [("scene_recall", 1.0)]),
         ((CC, 71), [("scene_recall", 4.0)])],
        None),
    "akai-midimix.toml": (
        "MIDI Mix:MIDI Mix MIDI 1 24:0", 1,
        {62: ("gain", 0.0, 1.0), 19: ("crossfade", 0.0, 1.0), 23: ("truncation_psi", 0.0, 1.5),
         27: ("speed", 0.1, 4.0), 16: ("tempo", 60.0, 180.0)},
        [((NOTE_ON, 1), [("network", 0.0)]), ((NOTE_ON, 22), [("network", 7.0)]),  # MUTE
         ((NOTE_ON, 3), [("crossfade_to", 0.0)]), ((NOTE_ON, 24), [("crossfade_to", 7.0)]),
         ((NOTE_ON, 2), [("blackout", 1.0)]), ((NOTE_ON, 25), [PREVIOUS]),
         ((NOTE_ON, 26), [NEXT]), ((NOTE_ON, 27), [("tap_tempo", 1.0)])],
        [1, 4, 7, 10, 13, 16, 19, 22]),
    "akai-apc-mini.toml": (
        "APC MINI:APC MINI MIDI 1 28:0", 1,
        {56: ("gain", 0.0, 1.0), 48: ("crossfade", 0.0, 1.0), 49: ("truncation_psi", 0.0, 1.5),
         50: ("speed", 0.1, 4.0), 51: ("tempo", 60.0, 180.0)},
        [((NOTE_ON, 0), [("network", 0.0)]), ((NOTE_ON, 7), [("network", 7.0)]),
         ((NOTE_ON, 8), [("crossfade_to", 0.0)]), ((NOTE_ON, 15), [("crossfade_to", 7.0)]),
         ((NOTE_ON, 64), [PREVIOUS]), ((NOTE_ON, 65), [NEXT]),
         ((NOTE_ON, 66), [("blackout", 1.0)]), ((NOTE_ON, 69), [("tap_tempo", 1.0)]),
         ((NOTE_ON, 82), [("scene_recall", 1.0)]), ((NOTE_ON, 89), [("scene_recall", 8.0)])],
        [0, 1, 2, 3, 4, 5, 6, 7]),
    "novation-launch-control-xl.toml": (
        "Launch Control XL:Launch Control XL MIDI 1 32:0", 9,
        {77: ("gain", 0.0, 1.0), 78: ("crossfade", 0.0, 1.0), 79: ("truncation_psi", 0.0, 1.5),
         80: ("speed", 0.1, 4.0), 81: ("master", 0.0, 1.0), 13: ("direction_1", -3.0, 3.0),
         49: ("tempo", 60.0, 180.0), 56: ("trail_time", 0.05, 10.0)},
        [((NOTE_ON, 41), [("network", 0.0)]), ((NOTE_ON, 60), [("network", 7.0)]),
         ((NOTE_ON, 73), [("crossfade_to", 0.0)]), ((NOTE_ON, 92), [("crossfade_to", 7.0)]),
         ((NOTE_ON, 105), [("tap_tempo", 1.0)]), ((NOTE_ON, 106), [("blackout", 1.0)]),
         ((NOTE_ON, 107), [("freeze", 1.0)]), ((CC, 106), [PREVIOUS]), ((CC, 107), [NEXT])],
        [41, 42, 43, 44, 57, 58, 59, 60]),
    "generic.toml": (
        "Any Keyboard:Any Keyboard MIDI 1 36:0", 1,
        {7: ("gain", 0.0, 1.0), 1: ("crossfade", 0.0, 1.0), 74: ("truncation_psi", 0.0, 1.5),
         71: ("speed", 0.1, 4.0)},
        [((NOTE_ON, 36), [("network", 0.0)]), ((NOTE_ON, 43), [("network", 7.0)]),
         ((CC, 64), [("freeze", 1.0)]), ((NOTE_ON, 44), [PREVIOUS]), ((NOTE_ON, 45), [NEXT]),
         ((NOTE_ON, 46), [("blackout", 1.0)])],
        None),
}


# Every fader and knob each controller has in its factory settings (the makers' docs): the
# shipped map gives each one something to do.
EVERY_CONTROL = {
    "korg-nanokontrol2.toml": {*range(0, 8), *range(16, 24)},
    "akai-midimix.toml": {*range(16, 32), *range(46, 63)},
    "akai-apc-mini.toml": set(range(48, 57)),
    "novation-launch-control-xl.toml": {*range(13, 21), *range(29, 37), *range(49, 57),
                                        *range(77, 85)},
}


@pytest.mark.parametrize("file", sorted(EVERY_CONTROL))
def test_every_fader_and_knob_does_something(file):
    midi_map = MidiMap.load(MAPS / file)
    bound = {b.number for b in midi_map.bindings.values() if b.kind == "cc" and b.mode == "set"}
    assert bound == EVERY_CONTROL[file], f"unbound: {sorted(EVERY_CONTROL[file] - bound)}"


def test_every_shipped_map_is_covered():
    assert sorted(p.name for p in MAPS.glob("*.toml")) == sorted(FACTORY)


@pytest.mark.parametrize("file", sorted(FACTORY))
def test_the_map_opens_its_controllers_port(file):
    port_name = FACTORY[file][0]
    midi_map = MidiMap.load(MAPS / file)
    assert midi_map.port.lower() in port_name.lower()


@pytest.mark.parametrize("file", sorted(FACTORY))
def test_faders_cover_their_range_after_pickup(file):
    _, channel, faders, _, _ = FACTORY[file]
    midi_map = MidiMap.load(MAPS / file)
    for cc, (parameter, low, high) in faders.items():
        sweep = [midi_map.translate([CC | (channel - 1), cc, v]) for v in [*range(128), 0]]
        events = [e for batch in sweep for e in batch]
        assert {name for name, _ in events} == {parameter}, f"CC {cc}"
        assert events[-2][1] == pytest.approx(high) and events[-1][1] == pytest.approx(low)


@pytest.mark.parametrize("file", sorted(FACTORY))
def test_buttons_do_what_the_map_promises(file):
    _, channel, _, buttons, _ = FACTORY[file]
    midi_map = MidiMap.load(MAPS / file)
    for (status, number), expected in buttons:
        assert midi_map.translate([status | (channel - 1), number, 127]) == expected, number
        release = [0x80 | (channel - 1), number, 0] if status == NOTE_ON else \
            [status | (channel - 1), number, 0]
        if expected[0][0] == "freeze" and file == "generic.toml":
            assert midi_map.translate(release) == [("freeze", 0.0)]  # the pedal holds
        else:
            assert midi_map.translate(release) == []


@pytest.mark.parametrize("file", sorted(FACTORY))
def test_other_channels_are_not_this_controller(file):
    _, channel, faders, buttons, _ = FACTORY[file]
    midi_map = MidiMap.load(MAPS / file)
    other = channel % 16  # the next channel, 0-based
    for (status, number), _ in buttons:
        assert midi_map.translate([status | other, number, 127]) == []
    for cc in faders:
        assert midi_map.translate([CC | other, cc, 64]) == []


@pytest.mark.parametrize("file", [f for f in sorted(FACTORY) if FACTORY[f][4]])
def test_the_active_networks_pad_is_lit(file):
    _, channel, _, _, pads = FACTORY[file]
    midi_map = MidiMap.load(MAPS / file)
    for network, pad in enumerate(pads):
        leds = {m.number: m.value for m in midi_map.led_messages(ShowState(network=network))
                if m.kind == "note" and m.channel == channel and m.number in pads}
        assert leds[pad] == midi_map.led_on
        assert [n for n, v in leds.items() if v == midi_map.led_on] == [pad]
