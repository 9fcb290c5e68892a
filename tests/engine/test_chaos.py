"""The short chaos run: a 30-second show survives a random child killed every 6 seconds."""

from __future__ import annotations

import pytest

from tests.support.chaos import KINDS, dumps, run_chaos

pytestmark = pytest.mark.slow


def test_the_show_goes_on_while_its_children_are_killed(tmp_path):
    result = run_chaos(tmp_path, seconds=30, kill_every=6, seed=1)
    report = dumps(result)
    assert result.exit_code == 0, result.stderr_tail
    assert len(result.kills) >= 3, report
    assert {kind for _, kind, _ in result.kills} <= set(KINDS)
    assert result.backwards_steps == 0, report
    assert result.black_frames == 0, report
    assert result.recorded_frames > 0, report
    assert result.shm_left == [], report
    assert result.processes_left == [], report
    # Every restart is quick next to the gaps between kills: the picture never stays frozen.
    assert result.longest_hold_s < 6, report
    assert result.frames_shown > 30 * 15 / 3, report
