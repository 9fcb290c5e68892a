"""ShowState and its declarations, intents, the event log, tap tempo and the keyboard: pure
parts, no ports."""

from __future__ import annotations

import dataclasses
import io
import math

import pytest

from live.control.keyboard import intent_for_key
from live.contracts.parameters import ACTIONS, PARAMETERS, parameter
from live.contracts.state import (ControlEvent, Intent, ShowState, read_event_log, resolve,
                                  write_event_log)
from live.control.tempo import RESET_SECONDS, TapTempo


@pytest.mark.parametrize("name,value,ok", [
    ("gain", 0.0, True), ("gain", 1.0, True), ("gain", 1.01, False), ("gain", -0.5, False),
    ("network", 3, True), ("network", 4, False), ("network", 1.5, False), ("network", -1, False),
    ("crossfade_to", 0.0, True), ("blackout", 1.0, True), ("blackout", 0.5, False),
    ("tempo", 120.0, True), ("tempo", 5.0, False), ("speed", math.nan, False),
    ("speed", math.inf, False), ("next_network", 1.0, True), ("volume", 1.0, False),
    ("gain", True, False), ("gain", "0.5", False),
])
def test_accepts_only_what_apply_takes_unchanged(name, value, ok):
    assert ShowState.accepts(name, value, network_count=4) is ok
    if ok and parameter(name) is not None:
        state = ShowState()
        assert state.apply(ControlEvent(0.0, "test", name, value), 4)
        assert getattr(state, name) == value


def test_the_state_has_one_field_per_declared_parameter_with_its_default():
    fields = dataclasses.fields(ShowState)
    assert [f.name for f in fields] == [p.name for p in PARAMETERS]
    state = ShowState()
    for declared in PARAMETERS:
        assert getattr(state, declared.name) == declared.default
        if declared.kind == "float":
            low, high = declared.range
            assert low <= declared.default <= high and declared.help
    assert all(ShowState.accepts(a.name, 1.0, network_count=2) for a in ACTIONS)


def test_an_event_log_reads_back_as_written():
    events = [ControlEvent(0.5, "midi:nano", "gain", 0.25),
              ControlEvent(1.0, "osc", "tempo", 128.0)]
    stream = io.StringIO()
    write_event_log(events, stream)
    stream.seek(0)
    assert list(read_event_log(stream)) == events


def test_tap_tempo_averages_the_taps_and_restarts_after_a_pause():
    taps = TapTempo()
    assert taps.tap(10.0) is None
    assert taps.tap(10.5) == pytest.approx(120.0)
    assert taps.tap(11.0) == pytest.approx(120.0)
    assert taps.tap(11.6) == pytest.approx(60 / (1.6 / 3))
    assert taps.tap(11.6 + RESET_SECONDS + 0.1) is None   # a new count
    assert taps.tap(12.0 + RESET_SECONDS) == pytest.approx(60 / 0.3)
    assert TapTempo().tap(0.0) is None


def test_tap_tempo_stays_within_the_tempo_limits():
    taps = TapTempo()
    taps.tap(0.0)
    assert taps.tap(0.01) == parameter("tempo").range[1]


def test_keys_make_intents_and_the_state_resolves_them():
    state = ShowState(gain=0.98, blackout=True)

    def key(name: str) -> ControlEvent | None:
        wanted = intent_for_key(name)
        return resolve(Intent(1.0, "keyboard", *wanted), state) if wanted else None

    assert key("3") == ControlEvent(1.0, "keyboard", "network", 2.0)
    assert key("up").value == 1.0                      # clamped to the declared range
    assert key("down").value == pytest.approx(0.98 - parameter("gain").step)
    assert key("b").value == 0.0 and key("h").value == 1.0
    assert key("right") == ControlEvent(1.0, "keyboard", "next_network", 1.0)
    assert key("c") == ControlEvent(1.0, "keyboard", "cue", 0.0)
    assert key("s") == ControlEvent(1.0, "keyboard", "save_favourite", 1.0)
    assert key("0") is None and key("q") is None and intent_for_key("escape") is None


def test_an_intent_moves_the_true_value_not_a_copy():
    """The two bugs of the compositor's old mirror: "up" stepped from the slot header's alpha
    (gain ** gain_curve), and F flipped a freeze the window never heard MIDI change."""
    state = ShowState(gain=0.5)                     # alpha 0.25 with gain_curve = 2
    up = resolve(Intent(0.0, "keyboard", "gain", "up"), state)
    assert up.value == pytest.approx(0.5 + parameter("gain").step)
    assert state.apply(ControlEvent(0.0, "midi:nano", "freeze", 1.0), network_count=2)
    assert resolve(Intent(0.1, "keyboard", "freeze", "toggle"), state).value == 0.0


def test_intents_that_mean_nothing_resolve_to_nothing():
    state = ShowState()
    assert resolve(Intent(0.0, "keyboard", "volume", "up"), state) is None
    assert resolve(Intent(0.0, "keyboard", "freeze", "up"), state) is None
    assert resolve(Intent(0.0, "keyboard", "gain", "toggle"), state) is None


def test_cue_and_favourite_are_actions_the_keys_and_osc_reach():
    from live.control.osc import events_for_osc

    state = ShowState()
    assert events_for_osc("/live/cue", [2]) == [("cue", 2.0)]
    assert events_for_osc("/live/favourite", []) == [("save_favourite", 1.0)]
    assert ShowState.accepts("cue", 2.0, network_count=4)
    assert not ShowState.accepts("cue", 1.5, network_count=4)
    assert state.apply(ControlEvent(0.0, "osc", "cue", 2.0), network_count=4)
