"""Following an outside clock, pure: MIDI clock ticks into tempo and beat events (jitter,
late ticks, start / stop / continue, song position), and the beat the frames get from them."""

from __future__ import annotations

import random

import pytest

from live.contracts.state import ControlEvent, ShowState
from live.control.midi_clock import (CLOCK, CONTINUE, SONG_POSITION, START, STOP,
                                     TICKS_PER_BEAT, MidiClock)
from live.control.tempo import BeatClock


def ticks(clock: MidiClock, start: float, bpm: float, count: int, jitter: float = 0.0,
          seed: int = 1) -> list[ControlEvent]:
    """Feed ``count`` ticks at ``bpm`` from ``start`` (tick i at start + i * interval, moved
    by up to ``jitter`` seconds)."""
    rng = random.Random(seed)
    interval = 60.0 / bpm / TICKS_PER_BEAT
    events = []
    for i in range(count):
        events += clock.receive(start + i * interval + rng.uniform(-jitter, jitter), [CLOCK])
    return events


def test_clock_from_start_gives_tempo_then_only_corrections():
    clock = MidiClock()
    assert clock.receive(0.0, [START]) == []
    events = ticks(clock, 1.0, 125.0, 24 * 8, jitter=0.0005)
    tempos = [e.value for e in events if e.name == "tempo"]
    assert tempos and all(v == pytest.approx(125.0, abs=0.5) for v in tempos)
    syncs = [e for e in events if e.name == "beat_sync"]
    # The first beat told is a whole beat, at its tick's time; a steady clock needs few more.
    assert syncs[0].value == int(syncs[0].value)
    assert syncs[0].time == pytest.approx(1.0 + syncs[0].value * 60.0 / 125.0, abs=0.001)
    assert len(events) <= 6, events


@pytest.mark.parametrize("held, lost", [(range(60, 66), False), (range(130, 140), True)])
def test_late_or_lost_ticks_keep_the_count_and_the_tempo(held, lost):
    """A busy MIDI system holds ticks back and delivers them together, or drops them: either
    way the count stays right, the tempo near, and the next whole beat is told on time."""
    clock, bpm = MidiClock(), 100.0
    interval = 60.0 / bpm / 24
    clock.receive(0.0, [START])
    events = []
    for tick in range(24 * 10):
        if tick in held and lost:
            continue
        arrival = held[-1] + 1 if tick in held else tick   # held ones come with the next
        events += clock.receive(arrival * interval, [CLOCK])
    assert clock.position == 24 * 10
    assert all(abs(e.value - bpm) < 0.05 * bpm for e in events if e.name == "tempo")
    for event in events:
        if event.name == "beat_sync":
            assert event.value == pytest.approx(event.time * bpm / 60.0, abs=0.05)


def test_song_position_continue_and_stop():
    clock, bpm = MidiClock(), 120.0
    clock.receive(0.0, [START])
    ticks(clock, 0.0, bpm, 48)
    clock.receive(1.0, [STOP])
    assert ticks(clock, 1.0, bpm, 48) == []           # stopped: ticks do not move the beat
    # Song position 32 sixteenths = beat 8, then continue: the next tick is beat 8, told at
    # once with the tempo the ticks kept while stopped.
    clock.receive(2.0, [SONG_POSITION, 32, 0])
    clock.receive(2.0, [CONTINUE])
    events = ticks(clock, 2.5, bpm, 25)
    [sync] = [e for e in events if e.name == "beat_sync"][:1]
    assert (sync.time, sync.value) == (pytest.approx(2.5), 8.0)
    # A stalled sender (no stop sent) starts the tempo estimate again.
    assert clock.tempo is not None
    clock.receive(10.0, [CLOCK])
    assert clock.tempo is None


def test_frames_take_the_synced_beat_and_a_replay_lands_on_the_same_beats():
    """The conductor's use of BeatClock: events applied before the frame they precede."""
    fps = 30
    events = [ControlEvent(0.4, "link", "tempo", 90.0), ControlEvent(0.4, "link", "beat_sync", 17.5),
              ControlEvent(1.0, "link", "beat_sync", 18.45)]

    def beats() -> list[float]:
        clock, state, pending = BeatClock(fps), ShowState(), list(events)
        out = []
        for index in range(60):
            while pending and pending[0].time <= index / fps:
                event = pending.pop(0)
                assert state.apply(event, network_count=1)
                if event.name == "beat_sync":
                    clock.sync(event.time, event.value)
            out.append(clock.at(index, state.tempo))
        return out

    first = beats()
    assert first == beats()
    assert first[12] == pytest.approx(17.5)                         # frame 12 is at 0.4 s
    assert first[20] == pytest.approx(17.5 + (20 / fps - 0.4) * 1.5)
    assert first[30] == pytest.approx(18.45)                        # the correction lands
    assert first[59] == pytest.approx(18.45 + (59 / fps - 1.0) * 1.5)
    assert ShowState.accepts("beat_sync", -3.25, 1)
    assert not ShowState.accepts("beat_sync", float("nan"), 1)
