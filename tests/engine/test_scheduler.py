"""The conductor's slot and worker bookkeeping, without processes."""

from live.engine.scheduler import Scheduler


def measured(s: Scheduler, worker: int, seconds: float) -> None:
    """Feed ``worker``'s warm-up frames and one steady frame of ``seconds``."""
    for _ in range(Scheduler.WARMUP_FRAMES + 1):
        s.synth_measured(worker, seconds)


def test_a_latent_is_bound_at_due_time_minus_synthesis_minus_margin():
    s = Scheduler(slots=8, fps=10, t0=100.0, margin_s=0.004)
    measured(s, 0, 0.03)
    assert s.take(99.0, [0]) is None                 # frame 0 is due at 100.0
    assert abs(s.next_dispatch_time() - (100.0 - 0.03 - 0.004)) < 1e-9
    assert s.take(99.965, [0]) is None               # a millisecond early: not yet
    assert s.take(99.966, [0]) == (0, 0, 0)
    assert s.take(99.966, [0]) is None               # one job at a time: a queued job binds early


def test_frames_nobody_can_have_ready_in_time_are_skipped_not_drawn_late():
    s = Scheduler(slots=8, fps=10, t0=0.0)
    measured(s, 0, 0.25)
    assert s.take(0.0, [0]) is None                  # ready at 0.254 s: frames 0..2 skipped
    assert s.skipped == 3 and s.next_index == 3
    assert abs(s.next_dispatch_time() - (0.3 - 0.25 - Scheduler.MARGIN_S)) < 1e-9
    assert s.take(0.046, [0])[0] == 3


def test_first_frames_of_a_worker_are_kept_out_of_its_speed():
    s = Scheduler(slots=2, fps=10, t0=0.0)
    assert s.estimate(0) == 0.1                      # one period until measured
    s.synth_measured(0, 2.0)                         # graph capture, cuDNN search
    assert s.estimate(0) == 2.0                      # a warm-up frame stands in meanwhile
    for _ in range(Scheduler.WARMUP_FRAMES - 1):
        s.synth_measured(0, 0.5)
    s.synth_measured(0, 0.02)                        # the first steady frame: warm-up forgotten
    assert s.estimate(0) == 0.02
    s.synth_measured(0, 0.04)                        # jitter widens what is allowed
    smoothing = Scheduler.SYNTH_SMOOTHING
    mean, deviation = 0.02 + smoothing * 0.02, smoothing * 0.02
    assert abs(s.estimate(0) - (mean + 2 * deviation)) < 1e-12


def test_a_dead_worker_is_measured_afresh_when_it_comes_back():
    s = Scheduler(slots=2, fps=10, t0=0.0)
    measured(s, 0, 0.02)
    s.worker_lost(0)
    assert s.estimate(0) == 0.1
    s.synth_measured(0, 3.0)                         # its successor's warm-up
    assert s.estimate(0) == 3.0


def test_a_fresh_worker_is_planned_with_the_frame_time_it_reported():
    s = Scheduler(slots=8, fps=10, t0=0.0)
    s.first_guess(0, 0.25)                           # a slow CPU worker, as it started
    assert s.estimate(0) == 0.25
    # Its first frame is one it can have ready in time (one period's guess would send
    # frame 1 at once, ready at 0.25 s: late and dropped).
    assert s.take(0.0, [0]) is None and s.skipped == 3
    assert s.take(0.046, [0])[0] == 3
    s.synth_measured(0, 0.3)                         # measured: the guess is done with
    assert s.estimate(0) == 0.3
    s.first_guess(0, 0.01)                           # a measured worker keeps its speed
    assert s.estimate(0) == 0.3
    s.worker_lost(0)                                 # its successor reports its own
    assert s.estimate(0) == 0.1


def simulate(speeds: dict[int, float], fps: float, seconds: float,
             step: float = 0.001) -> tuple[dict[int, list[int]], Scheduler, list[float]]:
    """Workers of fixed ``speeds`` (seconds per frame) driven by the scheduler on a clock
    ticking every ``step``; returns the frames each drew, the scheduler and every frame's
    slack (due time minus the moment it was ready: never negative means never late)."""
    s = Scheduler(slots=16, fps=fps, t0=0.0)
    for worker, seconds_per_frame in speeds.items():
        measured(s, worker, seconds_per_frame)
    drawn: dict[int, list[int]] = {w: [] for w in speeds}
    slack = []
    for tick in range(round(seconds / step)):
        now = tick * step
        for job in list(s.in_flight.values()):
            if not job.finished and now >= job.t_dispatch + speeds[job.worker] - 1e-9:
                job.finished = True                  # the slot header says so
                drawn[job.worker].append(job.index)
                slack.append(s.due(job.index) - now)
                s.slot_freed(job.slot, job.index)    # shown at once
        while (taken := s.take(now, list(speeds))) is not None:
            s.in_flight[taken[1]].t_started = now
    return drawn, s, slack


def test_a_fast_and_a_slow_worker_are_both_kept_busy_and_never_late():
    # The fast one alone draws every other frame (24 ms a frame at 60 fps, margin included):
    # the slow one takes frames in between it would miss.
    drawn, s, slack = simulate({0: 0.020, 1: 0.070}, fps=60, seconds=3.0)
    assert min(slack) >= 0                           # no frame ready after its due time
    assert len(drawn[0]) >= 85 and len(drawn[1]) >= 25   # 30 and 10 per second at best
    frames = sorted(drawn[0] + drawn[1])
    assert len(frames) == len(set(frames))           # no frame drawn twice
    assert len(frames) + s.skipped + len(s.in_flight) >= frames[-1]


def test_a_slow_worker_is_left_out_while_the_fast_one_fills_every_period():
    drawn, s, slack = simulate({0: 0.004, 1: 0.060}, fps=60, seconds=2.0)
    assert min(slack) >= 0
    assert drawn[1] == []                            # its frames would lag the sound more
    assert len(drawn[0]) >= 115 and s.skipped <= 1   # every frame after the first


def test_equal_workers_share_a_period_they_cannot_fill_alone():
    drawn, s, slack = simulate({w: 0.040 for w in range(4)}, fps=60, seconds=2.0)
    assert min(slack) >= 0
    assert all(len(frames) >= 28 for frames in drawn.values())   # 60 fps shared by four
    assert s.skipped <= 3                            # only while the first jobs are planned
    # Bound as late as the margin allows (give or take the simulated clock's tick).
    assert Scheduler.MARGIN_S - 0.001 <= min(slack) <= max(slack) <= Scheduler.MARGIN_S + 0.003


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
    s = Scheduler(slots=2, fps=10, t0=0.0)
    measured(s, 0, 0.01)
    measured(s, 1, 0.01)
    assert s.take(-0.014, [0])[0] == 0
    assert s.worker_lost(0) == [0] and not s.redo
    assert s.take(0.086, [1])[0] == 1
    assert s.reclaim_stale(10.0, timeout=5.0) == [1]
    assert sorted(s.free_slots) == [0, 1]


def test_jobs_are_planned_earlier_by_how_late_the_conductor_wakes():
    s = Scheduler(slots=4, fps=60, t0=0.0)
    measured(s, 0, 0.004)
    now, late_by, sent = -1.0, 0.005, []
    for _ in range(60):
        assert s.take(now, [0]) is None              # plans the next frame
        now = s.next_dispatch_time() + late_by       # a busy machine: always 5 ms late
        taken = s.take(now, [0])
        if taken is not None:
            sent.append((taken[0], now))
            s.in_flight[taken[1]].finished = True
            s.slot_freed(taken[1], taken[0])
    # Early on frames are skipped (a job 5 ms late cannot be ready in time); once the
    # lateness is learnt, every frame is sent early enough and none is skipped.
    last_half = sent[len(sent) // 2:]
    assert [index for index, _ in last_half] == list(range(last_half[0][0], last_half[-1][0] + 1))
    assert all(s.due(index) - at >= 0.004 + Scheduler.MARGIN_S / 2 for index, at in last_half)
