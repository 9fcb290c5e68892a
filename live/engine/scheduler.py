"""Which frame to draw next, into which slot, on which worker: pure bookkeeping, no I/O.

Frame ``k`` is due on screen at ``t0 + k / fps``. In **live** mode its latent is bound as late
as possible: the job is sent at ``due - predicted synthesis time - margin`` of the worker that
draws it (earlier by the conductor's own measured wake-up lateness), so it carries the
freshest audio features and controls and the sound-to-picture latency is one synthesis time,
not frames of queue. A worker holds one job at a time (a
queued job would have been bound early). Which worker draws which frame is planned from each
worker's measured speed (:meth:`Scheduler.plan`): every frame goes to the fastest worker that
can have it ready in time, so a slow worker takes the frames the fast ones cannot reach and
never makes a frame late. Frames nobody can have ready in time are skipped, not drawn late
(the compositor holds the previous picture meanwhile). A worker's first frames (CUDA graph
capture, cuDNN search, cold caches) are kept out of its speed estimate.

In **render** mode every frame is drawn in order, as fast as slots and workers allow, each
worker holding a few jobs; a frame lost with a dead worker is drawn again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass
class InFlight:
    """A frame between dispatch and the compositor's :class:`SlotFree`."""

    index: int
    slot: int
    worker: int
    t_dispatch: float
    t_started: float = 0.0   # the worker began it (from the slot header; 0 = still queued)
    finished: bool = False   # the worker wrote its pixels (from the slot header)


@dataclass
class SpeedEstimate:
    """A time that varies (a worker's synthesis time, the conductor's wake-up lateness): the
    smoothed mean and mean deviation of its measurements after the first ``warmup`` (until
    then, the latest warm-up one stands in)."""

    warmup: int
    smoothing: float
    measured: int = 0
    mean: float | None = None
    deviation: float = 0.0
    provisional: float | None = None

    def add(self, seconds: float) -> None:
        self.measured += 1
        if self.measured <= self.warmup:
            self.provisional = seconds
        elif self.mean is None:
            self.mean = seconds
        else:
            error = seconds - self.mean
            self.mean += self.smoothing * error
            self.deviation += self.smoothing * (abs(error) - self.deviation)

    def predicted(self) -> float | None:
        """Time to allow for the next frame: the mean plus twice the deviation (jitter)."""
        if self.mean is not None:
            return self.mean + 2.0 * self.deviation
        return self.provisional


@dataclass
class Planned:
    """A worker's next frame in the live plan, and when to send it."""

    index: int
    worker: int
    dispatch_at: float


class Scheduler:
    """Slot and worker bookkeeping for the conductor.

    Args:
        slots: frame slots in the ring.
        fps: show frames per second.
        t0: monotonic time frame 0 is due.
        realtime: live pacing (True) or offline render (False).
        frames: frames in the show, None for no end.
        margin_s: live: time allowed from a worker's pixels in the slot to the compositor's
            upload (two queue hops), added to every predicted synthesis time.
        jobs_per_worker: render: unfinished jobs a worker may hold, so it always has the next.
        first: the first frame (a render's shard starts further on).
    """

    SYNTH_SMOOTHING = 0.2   # weight of the newest synthesis time in each worker's estimate
    WARMUP_FRAMES = 3       # a worker's first frames after (re)start are not its speed
    MARGIN_S = 0.004        # default margin_s

    def __init__(self, slots: int, fps: float, t0: float, *, realtime: bool = True,
                 frames: int | None = None, margin_s: float = MARGIN_S,
                 jobs_per_worker: int = 2, first: int = 0):
        assert slots >= 1 and fps > 0 and margin_s >= 0 and jobs_per_worker >= 1
        self.fps, self.t0, self.realtime, self.frames = fps, t0, realtime, frames
        self.margin_s, self.jobs_per_worker = margin_s, jobs_per_worker
        self.free_slots = list(range(slots))
        self.in_flight: dict[int, InFlight] = {}  # by slot
        self.next_index = first      # the lowest index neither dispatched nor skipped
        self.taken_ahead: set[int] = set()  # live: indices above next_index already dispatched
        self.redo: list[int] = []    # render mode: indices lost with a worker, drawn again first
        self.skipped = 0             # live mode: frames never drawn because nobody could in time
        self.speeds: dict[int, SpeedEstimate] = {}
        self.dispatches = 0
        self.last_used: dict[int, int] = {}  # worker -> dispatch number, to share ties fairly
        # The thermal guard's say (live mode): a worker's weight in (0, 1] makes its
        # estimate longer (a hot GPU gets fewer frames), and ``rate``
        # draws only that fraction of the show's frames, evenly spaced.
        self.weights: dict[int, float] = {}
        self.rate = 1.0
        self.thinned = 0             # live mode: frames left out by a rate below 1
        self._next_dispatch_at = math.inf    # live: when the plan next sends a job
        # How late after the planned moment jobs are sent (the conductor's own wake-up on a
        # busy machine): jobs are planned that much earlier, so they are still in time.
        self.wakeup = SpeedEstimate(warmup=0, smoothing=self.SYNTH_SMOOTHING)

    # -- speed --------------------------------------------------------------------------------
    def estimate(self, worker: int) -> float:
        """Synthesis time to allow ``worker`` (its first guess, or one period without one,
        until it has been measured).

        The one place a worker's speed enters the schedule: a per-worker weight (a GPU
        throttled by its temperature) scales it here."""
        predicted = self.speeds[worker].predicted() if worker in self.speeds else None
        seconds = 1.0 / self.fps if predicted is None else predicted
        return seconds / self.weights.get(worker, 1.0)

    def drawn_at_rate(self, index: int) -> bool:
        """Whether frame ``index`` is one of the evenly spaced frames drawn at ``rate`` (the
        thermal guard's step down; every frame at 1)."""
        return self.rate >= 1.0 or \
            math.floor(index * self.rate) != math.floor((index - 1) * self.rate)

    def first_guess(self, worker: int, seconds: float) -> None:
        """Plan a worker not yet measured with ``seconds`` (a frame's time it reported as it
        started): one period would make a slow worker's first frame late and dropped. Its
        first measured frame takes over."""
        if worker not in self.speeds:
            self.speeds[worker] = SpeedEstimate(self.WARMUP_FRAMES, self.SYNTH_SMOOTHING,
                                                provisional=seconds)

    def synth_measured(self, worker: int, seconds: float) -> None:
        """Feed one measured synthesis time (from a finished slot's header)."""
        if worker not in self.speeds:
            self.speeds[worker] = SpeedEstimate(self.WARMUP_FRAMES, self.SYNTH_SMOOTHING)
        self.speeds[worker].add(seconds)

    def due(self, index: int) -> float:
        return self.t0 + index / self.fps

    @property
    def done(self) -> bool:
        """Every frame of a finite show has been dispatched (and none is waiting to be redone)."""
        return self.frames is not None and self.next_index >= self.frames and not self.redo

    def next_dispatch_time(self) -> float:
        """Live: when the plan next sends a job (as of the last :meth:`take`); now or
        earlier means now."""
        return self._next_dispatch_at

    def _unfinished(self, worker: int) -> InFlight | None:
        return next((job for job in self.in_flight.values()
                     if job.worker == worker and not job.finished), None)

    def free_at(self, worker: int, now: float) -> float:
        """When ``worker`` will have finished the jobs it holds."""
        free_at, estimate = now, self.estimate(worker)
        for job in self.in_flight.values():
            if job.worker == worker and not job.finished:
                free_at += max(0.0, job.t_started + estimate - now) if job.t_started else estimate
        return free_at

    # -- live: late binding -------------------------------------------------------------------
    def plan(self, now: float, workers: list[int]) -> dict[int, Planned]:
        """Each worker's next frame: frames from ``next_index`` on, each given to the fastest
        worker that can have it ready in time, as the workers will be then (a worker busy
        now, or given an earlier frame of the plan, is free once that is done). So a fast
        worker that fills the period alone draws every frame (the lowest latency), and one
        that cannot leaves the slower workers the frames it would miss; a slow worker's
        frame is bound before the fast ones' frames just before it."""
        free = {w: self.free_at(w, now) for w in workers}
        fastest_first = sorted(workers, key=lambda w: (self.estimate(w),
                                                       self.last_used.get(w, -1), w))
        tolerance = self.margin_s / 2   # sent up to this late (a busy clock), still in time
        # How late the conductor tends to wake, up to a period (a machine stalling longer
        # than that cannot be planned around: those frames are skipped).
        early = min(self.wakeup.predicted() or 0.0, 1.0 / self.fps)
        first: dict[int, Planned] = {}
        index = self.next_index
        # Far enough ahead that the slowest worker's first frame is in view.
        horizon = max(now, self.due(index)) + max(self.estimate(w) for w in workers) + \
            self.margin_s + (len(workers) + 1) / self.fps
        while len(first) < len(workers) and self.due(index) <= horizon and \
                (self.frames is None or index < self.frames):
            if index not in self.taken_ahead and self.drawn_at_rate(index):
                due = self.due(index)
                for worker in fastest_first:
                    estimate = self.estimate(worker)
                    if free[worker] <= due - estimate - tolerance:   # still ready in time
                        start = max(free[worker], due - estimate - self.margin_s - early)
                        first.setdefault(worker, Planned(index, worker, start))
                        free[worker] = start + estimate
                        break
            index += 1
        return first

    def _skip_unreachable(self, now: float, workers: list[int]) -> None:
        """Move past frames no worker can have ready by their due time."""
        reachable = min(self.free_at(w, now) + self.estimate(w) for w in workers) + \
            self.margin_s / 2
        first = math.ceil((reachable - self.t0) * self.fps - 1e-9)
        if self.frames is not None:
            first = min(first, self.frames)
        while self.next_index < first:
            if self.next_index in self.taken_ahead:
                self.taken_ahead.discard(self.next_index)
            elif self.drawn_at_rate(self.next_index):
                self.skipped += 1
            else:
                self.thinned += 1
            self.next_index += 1

    def _take_live(self, now: float, workers: list[int]) -> tuple[int, int] | None:
        if self._next_dispatch_at <= now:   # woken for the planned moment: this much late
            self.wakeup.add(now - self._next_dispatch_at)
        self._next_dispatch_at = math.inf
        if not workers:
            return None
        self._skip_unreachable(now, workers)
        idle = [p for p in self.plan(now, workers).values() if self._unfinished(p.worker) is None]
        if not idle:
            return None   # a busy worker's frame in its slot wakes the conductor
        upcoming = min(idle, key=lambda p: (p.dispatch_at, p.index))
        if upcoming.dispatch_at > now + 1e-9:   # (sums of seconds are not exact)
            self._next_dispatch_at = upcoming.dispatch_at
            return None
        while self.next_index < upcoming.index and not self.drawn_at_rate(self.next_index):
            self.thinned += 1   # frames the guard's rate leaves out, before the one taken
            self.next_index += 1
        if upcoming.index == self.next_index:
            self.next_index += 1
            while self.next_index in self.taken_ahead:
                self.taken_ahead.discard(self.next_index)
                self.next_index += 1
        else:
            self.taken_ahead.add(upcoming.index)
        return upcoming.index, upcoming.worker

    # -- render: in order, as fast as possible ------------------------------------------------
    def _take_in_order(self, now: float, workers: list[int]) -> tuple[int, int] | None:
        load = {w: 0 for w in workers}
        for job in self.in_flight.values():
            if job.worker in load and not job.finished:
                load[job.worker] += 1
        candidates = [w for w in workers if load[w] < self.jobs_per_worker]
        if not candidates:
            return None
        # The worker that would finish a new job first; ties (idle workers) go to the least
        # recently used, so every worker stays warm.
        worker = min(candidates, key=lambda w: (round(self.free_at(w, now) + self.estimate(w), 4),
                                                load[w], self.last_used.get(w, -1), w))
        if self.redo:
            return self.redo.pop(0), worker
        if self.frames is not None and self.next_index >= self.frames:
            return None
        self.next_index += 1
        return self.next_index - 1, worker

    def take(self, now: float, ready_workers: list[int]) -> tuple[int, int, int] | None:
        """The next ``(index, slot, worker)`` to dispatch at ``now``, or None to wait."""
        if not self.free_slots:
            self._next_dispatch_at = math.inf   # a freed slot wakes the conductor
            return None
        taken = self._take_live(now, ready_workers) if self.realtime else \
            self._take_in_order(now, ready_workers)
        if taken is None:
            return None
        index, worker = taken
        slot = self.free_slots.pop(0)
        self.in_flight[slot] = InFlight(index, slot, worker, now)
        self.dispatches += 1
        self.last_used[worker] = self.dispatches
        return index, slot, worker

    def slot_freed(self, slot: int, index: int) -> None:
        """The compositor released ``slot`` holding ``index`` (a stale report is ignored)."""
        job = self.in_flight.get(slot)
        if job is not None and job.index == index:
            del self.in_flight[slot]
            self.free_slots.append(slot)

    def worker_lost(self, worker: int) -> list[int]:
        """A worker died: free the slots of its unfinished jobs; returns their indices.

        In render mode those indices are queued to be drawn again. Its speed is forgotten:
        the worker started in its place is measured afresh, warm-up first.
        """
        lost = [job for job in self.in_flight.values() if job.worker == worker and not job.finished]
        self.speeds.pop(worker, None)   # its successor warms up again (a new GPU context)
        for job in lost:
            del self.in_flight[job.slot]
            self.free_slots.append(job.slot)
        indices = sorted(job.index for job in lost)
        if not self.realtime:
            self.redo = sorted(self.redo + indices)
        return indices

    def reclaim_finished(self) -> list[int]:
        """Free the slots of every finished frame (their compositor died with them, so no
        :class:`SlotFree` will come); returns their indices. Unfinished frames go on to the
        next compositor."""
        finished = [job for job in self.in_flight.values() if job.finished]
        for job in finished:
            del self.in_flight[job.slot]
            self.free_slots.append(job.slot)
        return sorted(job.index for job in finished)

    def reclaim_stale(self, now: float, timeout: float) -> list[int]:
        """Free slots that have been out longer than ``timeout`` seconds (live mode safety net
        for a frame whose completion message was lost with a dying process)."""
        stale = [job for job in self.in_flight.values() if now - job.t_dispatch > timeout]
        for job in stale:
            del self.in_flight[job.slot]
            self.free_slots.append(job.slot)
        return sorted(job.index for job in stale)
