"""The "choice" kind end to end, without ports: OSC by name and by index, the key that steps
through the choices, a MIDI fader spread over them, a pad picking one, state-out, the HUD and
the docs saying the name. Played on the instrument's choices (beat_move, selection)."""

from __future__ import annotations

from pathlib import Path

import pytest

from live.control.keyboard import intent_for_key, key_rows
from live.control.learn import LearnRequest
from live.control.midi import MidiMap, MidiMessage
from live.control.osc import events_for_osc, osc_doc, state_messages
from live.contracts.parameters import PARAMETERS, parameter
from live.contracts.state import ControlEvent, Intent, ShowState, resolve
from live.engine.conductor import hud_values

CHOICES = [p for p in PARAMETERS if p.kind == "choice"]


def test_the_instrument_declares_choices() -> None:
    assert {"beat_move", "selection"} <= {p.name for p in CHOICES}


@pytest.mark.parametrize("declared", CHOICES, ids=lambda p: p.name)
def test_osc_takes_a_choice_by_name_or_index_and_the_state_keeps_the_index(declared) -> None:
    address = f"/live/{declared.name}"
    state = ShowState()
    for index, name in enumerate(declared.choices):
        [(target, value)] = events_for_osc(address, [name])
        assert (target, value) == (declared.name, float(index))
        assert events_for_osc(address, [index]) == [(declared.name, float(index))]
        assert state.apply(ControlEvent(0.0, "osc", target, value), network_count=2)
        assert getattr(state, declared.name) == index
        assert state_messages(state)[address] == index   # an int out, as networks
    assert events_for_osc(address, ["no-such-choice"]) is None
    count = len(declared.choices)
    assert not ShowState.accepts(declared.name, count, network_count=2)
    assert not ShowState.accepts(declared.name, 0.5, network_count=2)
    assert not ShowState().apply(ControlEvent(0.0, "osc", declared.name, count), 2)
    assert " | ".join(declared.choices) in osc_doc()


def test_the_key_steps_through_the_choices_and_round() -> None:
    declared = parameter("beat_move")
    assert intent_for_key(declared.key) == ("beat_move", "toggle", 1.0)
    state, seen = ShowState(), []
    for _ in range(len(declared.choices) + 1):
        event = resolve(Intent(0.0, "keyboard", "beat_move", "toggle"), state)
        state.apply(event, network_count=2)
        seen.append(declared.label(state.beat_move))
    assert seen == ["cue", "network", "step", "cue"]
    assert any("next beat_move (step, cue, network)" in does for _, does in key_rows())


def test_a_fader_spreads_over_the_choices_and_a_pad_picks_one(tmp_path: Path) -> None:
    path = tmp_path / "map.toml"
    path.write_text('name = "test"\nport = "x"\n'
                    '[[bind]]\ncc = 1\nset = "selection"\n'
                    '[[bind]]\nnote = 36\npress = "beat_move"\nvalue = 2\n')
    midi = MidiMap.load(path)
    fader = [midi.translate(MidiMessage("cc", 1, 1, raw).to_bytes())
             for raw in (0, 31, 32, 95, 96, 127)]
    assert fader == [[("selection", v)] for v in (0.0, 0.0, 1.0, 1.0, 2.0, 2.0)]
    assert midi.translate(MidiMessage("note", 1, 36, 100).to_bytes()) == [("beat_move", 2.0)]
    # midi-learn: "selection 2" on a pad picks that choice, "relative" on an encoder steps.
    pad = LearnRequest.parse("selection 2").binding_for(MidiMessage("note", 1, 40, 100))
    assert (pad.mode, pad.target, pad.value) == ("press", "selection", 2.0)
    encoder = LearnRequest.parse("selection relative").binding_for(MidiMessage("cc", 1, 7, 1))
    assert (encoder.mode, encoder.step) == ("nudge", 1.0)


def test_the_hud_says_a_choice_by_its_name_and_only_away_from_its_default() -> None:
    resting = hud_values(ShowState(), network_count=2)
    assert not any(v.startswith(("move", "select")) for v in resting)
    played = hud_values(ShowState(beat_move=2, selection=1, beat_every=4.0), network_count=2)
    assert {"move network", "select loudness", "every 4"} <= set(played)
    assert "network 1/2" in played and "network 1/2" in resting   # networks always
