"""The conductor's slot and worker bookkeeping, without processes."""

from live.engine.scheduler import Scheduler


def test_live_mode_dispatches_only_within_the_lead():
    s = Scheduler(slots=8, fps=10, t0=100.0, lead_frames=2)
    s.synth_measured(0, 0.01)
    assert s.lead() == 0.2
    assert s.take(99.0, [0]) is None                 # frame 0 is due at 100.0, lead 0.2 s
    assert s.take(99.8, [0]) == (0, 0, 0)
    assert abs(s.next_dispatch_time() - 99.9) < 1e-9


def test_live_mode_gives_a_worker_the_first_frame_it_can_have_ready_in_time():
    s = Scheduler(slots=8, fps=10, t0=0.0, jobs_per_worker=2)
    s.synth_measured(0, 0.05)
    index, _, _ = s.take(0.0, [0])                   # ready at 0.054 s: frame 0 would be late
    assert index == 1 and s.skipped == 1
    index, _, _ = s.take(0.0, [0])                   # queued behind frame 1: ready at 0.104 s
    assert index == 2 and s.skipped == 1
    assert s.take(0.0, [0]) is None                  # its queue is full


def test_a_worker_slower_than_a_period_holds_one_job():
    s = Scheduler(slots=8, fps=10, t0=0.0, jobs_per_worker=2)
    s.synth_measured(0, 0.25)
    assert s.capacity(0) == 1
    index, _, _ = s.take(0.0, [0])                   # ready at 0.254 s: frames 0..2 skipped
    assert index == 3 and s.skipped == 3
    assert s.take(0.0, [0]) is None
    assert abs(s.lead() - (0.25 + 0.1 + Scheduler.MARGIN_S)) < 1e-12


def test_live_mode_uses_the_worker_that_is_free_first():
    s = Scheduler(slots=8, fps=10, t0=0.0, lead_frames=1, jobs_per_worker=2)
    s.synth_measured(0, 0.30)
    s.synth_measured(1, 0.05)
    assert s.take(0.0, [0, 1])[::2] == (1, 1)        # the fast worker, frame due at 0.1
    assert s.take(0.0, [0, 1])[::2] == (2, 1)        # still sooner than the slow one
    assert s.take(0.0, [0, 1])[::2] == (4, 0)        # fast worker full; slow one ready at 0.304


def test_smoothed_synthesis_estimate():
    s = Scheduler(slots=2, fps=10, t0=0.0)
    assert s.estimate(0) == 0.1                      # one period until measured
    s.synth_measured(0, 0.2)
    s.synth_measured(0, 0.4)
    assert abs(s.estimate(0) - (0.2 + Scheduler.SYNTH_SMOOTHING * 0.2)) < 1e-12


def test_slots_are_reused_only_after_the_compositor_frees_them():
    s = Scheduler(slots=2, fps=1000, t0=0.0, realtime=False, jobs_per_worker=8)
    assert s.take(0, [0])[:2] == (0, 0)
    assert s.take(0, [0])[:2] == (1, 1)
    assert s.take(0, [0]) is None
    s.slot_freed(0, index=99)                        # a stale report changes nothing
    assert s.take(0, [0]) is None
    s.slot_freed(0, index=0)
    assert s.take(0, [0])[:2] == (2, 0)


def test_work_goes_to_the_least_busy_worker():
    s = Scheduler(slots=8, fps=1000, t0=0.0, realtime=False, jobs_per_worker=2)
    workers = [s.take(0, [0, 1])[2] for _ in range(4)]
    assert sorted(workers) == [0, 0, 1, 1]
    assert s.take(0, [0, 1]) is None                 # both hold two unfinished jobs
    next(j for j in s.in_flight.values() if j.worker == 1).finished = True
    assert s.take(0, [0, 1])[2] == 1


def test_render_mode_draws_again_what_a_dead_worker_lost():
    s = Scheduler(slots=4, fps=30, t0=0.0, realtime=False, frames=4, jobs_per_worker=4)
    taken = [s.take(0, [0, 1]) for _ in range(4)]
    lost_by_1 = sorted(i for i, _, w in taken if w == 1)
    assert s.worker_lost(1) == lost_by_1
    assert not s.done
    redone = [s.take(0, [0])[0] for _ in lost_by_1]
    assert redone == lost_by_1 and s.done


def test_live_mode_does_not_redraw_and_reclaims_stale_slots():
    s = Scheduler(slots=2, fps=10, t0=0.0, lead_frames=1, jobs_per_worker=4)
    s.synth_measured(0, 0.01)
    s.synth_measured(1, 0.01)
    s.take(-0.05, [0])
    assert s.worker_lost(0) == [0] and not s.redo
    s.take(0.05, [1])
    assert s.reclaim_stale(10.0, timeout=5.0) == [1]
    assert sorted(s.free_slots) == [0, 1]
