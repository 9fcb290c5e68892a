"""The thermal guard's policy on simulated temperature traces, and the scheduler obeying it."""

from collections import Counter

from live.engine.scheduler import Scheduler
from live.telemetry.gpus import GpuSample
from live.telemetry.guard import COOL, THROTTLING, WARM, GuardSettings, ThermalGuard

SLOWDOWN = 85.0
SETTINGS = GuardSettings(margin_c=5.0, hysteresis_c=3.0, dwell_s=5.0, min_weight=0.1)


def gpu(index: int, t: float, temperature: float, throttle: int = 0) -> GpuSample:
    return GpuSample(index, "Tesla K80", t, temperature_c=temperature, slowdown_c=SLOWDOWN,
                     shutdown_c=93.0, throttle_reasons=throttle)


def play(guard: ThermalGuard, trace, seconds: float, step: float = 0.5):
    """Feed ``trace(t) -> [temperature per GPU]`` at the sampler's 2 Hz; every decision."""
    decisions = []
    for i in range(int(seconds / step) + 1):
        t = i * step
        decisions.append((t, guard.update(t, [gpu(n, t, c) for n, c in enumerate(trace(t))])))
    return decisions


def test_one_gpu_heating_loses_share_and_the_rate_holds():
    # GPU0 climbs from 70 C to its slowdown threshold over 30 s; GPU1 idles at 65 C.
    decisions = play(ThermalGuard(SETTINGS), lambda t: [70 + min(t, 30) / 2, 65], 40)
    weights = [d.weights[0] for _, d in decisions]
    assert weights[0] == 1.0 and all(b <= a for a, b in zip(weights, weights[1:]))
    at = dict(decisions)
    assert at[20.0].weights[0] == 1.0            # 80 C: the margin's edge
    assert abs(at[25.0].weights[0] - 0.55) < 1e-9  # 82.5 C: half way into it
    assert at[40.0].weights[0] == 0.1 and at[40.0].states[0] == WARM
    assert all(d.weights[1] == 1.0 and d.rate == 1.0 for _, d in decisions)
    news = [line for _, d in decisions for line in d.news]
    assert news == ["GPU0 warm (80 C, slowdown at 85 C)"]


def test_every_gpu_hot_steps_the_rate_down_then_back_up_as_they_cool():
    # Both at 83 C for 20 s, then both back to 70 C.
    decisions = play(ThermalGuard(SETTINGS), lambda t: [83, 84] if t < 20 else [70, 70], 45)
    rates = {t: d.rate for t, d in decisions}
    assert rates[4.5] == 1.0 and rates[5.0] == 0.75      # one dwell hot: one step
    assert rates[9.5] == 0.75 and rates[10.0] == 0.5     # another dwell: the lowest step
    assert rates[19.5] == 0.5                            # no lower than the last step
    assert rates[24.5] == 0.5 and rates[25.0] == 0.75    # cool for a dwell: one step up
    assert rates[30.0] == 1.0 and rates[45.0] == 1.0
    steps = [line for _, d in decisions for line in d.news if line.startswith("show rate")]
    assert steps == ["show rate 100% -> 75% of its fps (every GPU hot)",
                     "show rate 75% -> 50% of its fps (every GPU hot)",
                     "show rate 50% -> 75% of its fps (every GPU cool)",
                     "show rate 75% -> 100% of its fps (every GPU cool)"]


def test_hovering_at_the_margin_does_not_flap():
    # 79-81 C around the margin's edge (80 C): warm once, and it stays warm inside the
    # hysteresis band; only below 77 C does it count as cool again.
    guard = ThermalGuard(SETTINGS)
    trace = [81, 79, 81, 78, 80, 79, 77.5, 76.9, 79]
    states = [guard.update(i, [gpu(0, i, c)]).states[0] for i, c in enumerate(trace)]
    assert states == [WARM] * 7 + [COOL, COOL]


def test_throttling_takes_the_least_share_at_any_temperature_and_a_mixed_box_holds_its_rate():
    guard = ThermalGuard(SETTINGS)
    power_cap = 0x4
    for t in range(30):
        decision = guard.update(t, [gpu(0, t, 60, throttle=power_cap), gpu(1, t, 60)])
    assert decision.states == {0: THROTTLING, 1: COOL}
    assert decision.weights == {0: 0.1, 1: 1.0} and decision.rate == 1.0


def test_a_card_without_thresholds_is_left_alone():
    guard = ThermalGuard(SETTINGS)
    sample = GpuSample(0, "GeForce", 0.0, temperature_c=95.0)   # no slowdown threshold
    decision = guard.update(0.0, [sample])
    assert decision.weights == {0: 1.0} and decision.states == {0: COOL}


def simulate(s: Scheduler, synthesis_s: dict[int, float], seconds: float) -> list[tuple[int, int]]:
    """Drive ``s`` as the conductor does (a look every millisecond) with workers that take
    ``synthesis_s`` per frame; the ``(index, worker)`` of every frame dispatched."""
    running: list[tuple[float, int, int, int]] = []   # (done at, worker, slot, index)
    taken_frames = []
    for step in range(round(seconds * 1000)):
        now = step / 1000
        for job in [job for job in running if job[0] <= now]:
            running.remove(job)
            s.synth_measured(job[1], synthesis_s[job[1]])
            s.slot_freed(job[2], job[3])
        while (taken := s.take(now, list(synthesis_s))) is not None:
            index, slot, worker = taken
            s.in_flight[slot].t_started = now   # the worker starts at once (its slot header)
            running.append((now + synthesis_s[worker], worker, slot, index))
            taken_frames.append((index, worker))
    return taken_frames


def test_the_scheduler_gives_a_hot_worker_fewer_frames():
    # Three equal workers, each too slow to fill a 30 fps period alone, share the frames;
    # weighed down to 0.2, one of them is left the frames the other two cannot reach.
    timing = {0: 0.045, 1: 0.045, 2: 0.045}
    even = Counter(worker for _, worker in simulate(Scheduler(8, fps=30, t0=0.1), timing, 3.0))
    hot = Scheduler(8, fps=30, t0=0.1)
    hot.weights = {0: 0.2}
    weighed = Counter(worker for _, worker in simulate(hot, timing, 3.0))
    assert min(even.values()) > 15
    assert weighed[0] < even[0] / 3 and sum(weighed.values()) >= sum(even.values()) - 2
    assert hot.skipped <= 2   # the show's rate holds


def test_a_lower_rate_draws_evenly_spaced_frames_and_counts_the_rest():
    s = Scheduler(8, fps=30, t0=0.1)
    s.rate = 0.75
    indices = [index for index, _ in simulate(s, {0: 0.005}, 1.0)]
    assert indices[:6] == [0, 2, 3, 4, 6, 7]     # 3 of every 4 frames, none late
    gaps = sum(b - a - 1 for a, b in zip(indices, indices[1:]))
    assert s.skipped == 0 and s.thinned == gaps > 0
