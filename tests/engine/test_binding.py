"""Late binding without processes: what a frame bound after a later one gets (the audio
events each frame carries are tests/engine/test_events_between_frames.py's)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from live.contracts.state import ShowState
from live.control.tempo import BeatClock
from live.latents.config import LatentsConfig
from live.latents.instrument import Instrument
from tests.latents.conftest import LinearMapping


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
