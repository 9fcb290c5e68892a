"""ShowState's checks, the event log, tap tempo and the keyboard: pure parts, no ports."""

from __future__ import annotations

import io
import math

import pytest

from live.control.keyboard import GAIN_STEP, events_for_key
from live.contracts.state import (LIMITS, PARAMETERS, ControlEvent, ShowState, read_event_log,
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
    if ok and name in PARAMETERS:
        state = ShowState()
        assert state.apply(ControlEvent(0.0, "test", name, value), 4)
        assert getattr(state, name) == value


def test_every_float_parameter_has_limits():
    assert {n for n, kind in PARAMETERS.items() if kind == "float"} == set(LIMITS)


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
    assert taps.tap(0.01) == LIMITS["tempo"][1]


def test_keys_make_events_from_the_current_state():
    state = ShowState(gain=0.98, blackout=True)
    assert events_for_key("3", state) == [("network", 2.0)]
    assert events_for_key("up", state) == [("gain", 1.0)]
    assert events_for_key("down", state) == [("gain", pytest.approx(0.98 - GAIN_STEP))]
    assert events_for_key("b", state) == [("blackout", 0.0)]
    assert events_for_key("h", state) == [("hud", 1.0)]
    assert events_for_key("right", state) == [("next_network", 1.0)]
    assert events_for_key("0", state) == [] and events_for_key("x", state) == []


def test_cue_and_favourite_are_actions_the_keys_and_osc_reach():
    from live.control.osc import events_for_osc

    state = ShowState()
    assert events_for_key("c", state) == [("cue", 0.0)]
    assert events_for_key("s", state) == [("save_favourite", 1.0)]
    assert events_for_osc("/live/cue", [2]) == [("cue", 2.0)]
    assert events_for_osc("/live/favourite", []) == [("save_favourite", 1.0)]
    assert ShowState.accepts("cue", 2.0, network_count=4)
    assert not ShowState.accepts("cue", 1.5, network_count=4)
    assert state.apply(ControlEvent(0.0, "osc", "cue", 2.0), network_count=4)
