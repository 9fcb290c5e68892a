"""Late binding without processes: what a frame bound after a later one gets, and which
audio events each frame carries."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from live.contracts.features import FeatureFrame, with_events_since
from live.contracts.state import ShowState
from live.control.tempo import BeatClock
from live.latents.config import LatentsConfig
from live.latents.instrument import Instrument
from tests.latents.conftest import LinearMapping


def test_an_onset_between_two_frames_goes_to_the_next_frame_once():
    hops = [FeatureFrame(time=t, onset_event=t == 1.01) for t in (1.00, 1.01, 1.02)]
    first = with_events_since(hops, since=0.0)
    assert first.time == 1.02 and first.onset_event      # the newest hop, with the onset
    again = with_events_since(hops, since=first.time)    # no hop since: delivered already
    assert again.time == 1.02 and not again.onset_event
    assert with_events_since([], since=0.0) is None


def test_a_frame_bound_after_a_later_one_keeps_the_clocks_where_they_are(tmp_path: Path):
    clock = BeatClock(fps=60)
    assert clock.at(10, 120.0) == pytest.approx(10 / 60 * 2)
    assert clock.at(7, 120.0) == pytest.approx(7 / 60 * 2)    # counted back at the tempo
    assert clock.at(11, 120.0) == pytest.approx(11 / 60 * 2)  # and on from frame 10

    instrument = Instrument(LatentsConfig(source="noise_loop", stops=2), seed=0, fps=60,
                            num_ws=6, network_count=1, map_z=LinearMapping(),
                            w_avg=np.zeros(512, np.float32), resolve=lambda p: tmp_path / p)
    state = ShowState()
    later = instrument.frame(10, None, state).ws
    earlier = instrument.frame(7, None, state).ws        # the journey does not run backwards
    np.testing.assert_array_equal(earlier, later)
    assert instrument.index == 10
    assert not np.array_equal(instrument.frame(11, None, state).ws, later)
