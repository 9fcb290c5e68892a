"""Which frame to draw next, into which slot, on which worker: pure bookkeeping, no I/O.

Frame ``k`` is due on screen at ``t0 + k / fps``. In **live** mode the scheduler predicts
when the chosen worker will have a frame ready (its queue, plus its measured synthesis time)
and gives it the first frame due after that moment; the frames in between are skipped, not
drawn late (the compositor holds the previous picture meanwhile). So a machine slower than
the show's fps shows fewer distinct frames, each on time, instead of falling behind the
music. In **render** mode every frame is drawn, as fast as slots and workers allow, and a
frame lost with a dead worker is drawn again.
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


class Scheduler:
    """Slot and worker bookkeeping for the conductor.

    Args:
        slots: frame slots in the ring.
        fps: show frames per second.
        t0: monotonic time frame 0 is due.
        realtime: live pacing (True) or offline render (False).
        frames: frames in the show, None for no end.
        lead_frames: how many periods ahead of its due time a frame may be dispatched (at
            least; more when synthesis takes longer than that).
        jobs_per_worker: unfinished jobs a fast worker may hold, so it always has the next
            one. A worker slower than one period holds one job: queueing a second would
            only add a synthesis time of latency, the round trip it saves being negligible.
    """

    SYNTH_SMOOTHING = 0.2   # weight of the newest synthesis time in each worker's estimate
    MARGIN_S = 0.004        # from pixels in the slot to upload in the compositor

    def __init__(self, slots: int, fps: float, t0: float, *, realtime: bool = True,
                 frames: int | None = None, lead_frames: int = 1, jobs_per_worker: int = 2):
        assert slots >= 1 and fps > 0 and lead_frames >= 1 and jobs_per_worker >= 1
        self.fps, self.t0, self.realtime, self.frames = fps, t0, realtime, frames
        self.lead_frames, self.jobs_per_worker = lead_frames, jobs_per_worker
        self.free_slots = list(range(slots))
        self.in_flight: dict[int, InFlight] = {}  # by slot
        self.next_index = 0
        self.redo: list[int] = []    # render mode: indices lost with a worker, drawn again first
        self.skipped = 0             # live mode: frames never drawn because they were already late
        self.synth_estimate: dict[int, float] = {}  # per worker, seconds per frame
        self.dispatches = 0
        self.last_used: dict[int, int] = {}  # worker -> dispatch number, to share ties fairly
        # The thermal guard's say (live mode): a worker's weight in (0, 1] makes it look
        # slower when choosing who draws next (a hot GPU gets fewer frames), and ``rate``
        # draws only that fraction of the show's frames, evenly spaced.
        self.weights: dict[int, float] = {}
        self.rate = 1.0
        self.thinned = 0             # live mode: frames left out by a rate below 1
        self._rate_position = 0.0    # where the next frame falls at that rate, in frames

    def estimate(self, worker: int) -> float:
        """Expected synthesis time of ``worker`` (one period until it has been measured)."""
        return self.synth_estimate.get(worker, 1.0 / self.fps)

    def capacity(self, worker: int) -> int:
        """Unfinished jobs ``worker`` may hold."""
        return 1 if self.estimate(worker) > 1.0 / self.fps else self.jobs_per_worker

    def lead(self) -> float:
        """How long before its due time a frame may be dispatched."""
        # Long enough that a worker with a full queue can still be given the frame it can
        # have ready in time.
        queued = max((self.capacity(w) * t for w, t in self.synth_estimate.items()),
                     default=self.jobs_per_worker / self.fps)
        return max(self.lead_frames / self.fps, queued + 1.0 / self.fps + self.MARGIN_S)

    def synth_measured(self, worker: int, seconds: float) -> None:
        """Feed one measured synthesis time (from a finished slot's header)."""
        old = self.synth_estimate.get(worker)
        self.synth_estimate[worker] = seconds if old is None else \
            old + self.SYNTH_SMOOTHING * (seconds - old)

    def ready_at(self, worker: int, now: float) -> float:
        """When ``worker`` would finish a job given now, after the ones it already holds."""
        estimate = self.estimate(worker)
        free_at = now
        for job in self.in_flight.values():
            if job.worker == worker and not job.finished:
                free_at += max(0.0, job.t_started + estimate - now) if job.t_started else estimate
        return free_at + estimate + self.MARGIN_S

    def due(self, index: int) -> float:
        return self.t0 + index / self.fps

    @property
    def done(self) -> bool:
        """Every frame of a finite show has been dispatched (and none is waiting to be redone)."""
        return self.frames is not None and self.next_index >= self.frames and not self.redo

    def next_dispatch_time(self) -> float:
        """When the next frame may be dispatched (live mode); now or earlier means now."""
        return self.due(self.next_index) - self.lead()

    def take(self, now: float, ready_workers: list[int]) -> tuple[int, int, int] | None:
        """The next ``(index, slot, worker)`` to dispatch at ``now``, or None to wait."""
        if not self.free_slots:
            return None
        worker = self._soonest_free(ready_workers, now)
        if worker is None:
            return None
        if self.redo:
            index = self.redo.pop(0)
        else:
            if self.realtime:
                # The first frame due once this worker can have it ready; earlier ones would
                # only be late, so they are skipped.
                first = math.ceil((self.ready_at(worker, now) - self.t0) * self.fps - 1e-6)
                if self.frames is not None:
                    first = min(first, self.frames)
                if first > self.next_index:
                    self.skipped += first - self.next_index
                    self.next_index = first
                spaced = math.ceil(self._rate_position - 1e-6)
                if spaced > self.next_index:
                    self.thinned += spaced - self.next_index
                    self.next_index = spaced
                if now < self.next_dispatch_time():
                    return None
            if self.frames is not None and self.next_index >= self.frames:
                return None
            index = self.next_index
            self.next_index += 1
            if index > math.ceil(self._rate_position - 1e-6):   # skipped ahead (late)
                self._rate_position = float(index)
            self._rate_position += 1.0 / self.rate
        slot = self.free_slots.pop(0)
        self.in_flight[slot] = InFlight(index, slot, worker, now)
        self.dispatches += 1
        self.last_used[worker] = self.dispatches
        return index, slot, worker

    def _soonest_free(self, ready_workers: list[int], now: float) -> int | None:
        """The worker that would finish a new job first, among those with room in its queue."""
        load = {w: 0 for w in ready_workers}
        for job in self.in_flight.values():
            if job.worker in load and not job.finished:
                load[job.worker] += 1
        candidates = [w for w in ready_workers if load[w] < self.capacity(w)]
        if not candidates:
            return None
        # Ties (idle workers) go to the least recently used, so every worker stays warm.
        return min(candidates, key=lambda w: (
            round(now + (self.ready_at(w, now) - now) / self.weights.get(w, 1.0), 4), load[w],
            self.last_used.get(w, -1), w))

    def slot_freed(self, slot: int, index: int) -> None:
        """The compositor released ``slot`` holding ``index`` (a stale report is ignored)."""
        job = self.in_flight.get(slot)
        if job is not None and job.index == index:
            del self.in_flight[slot]
            self.free_slots.append(slot)

    def worker_lost(self, worker: int) -> list[int]:
        """A worker died: free the slots of its unfinished jobs; returns their indices.

        In render mode those indices are queued to be drawn again.
        """
        lost = [job for job in self.in_flight.values() if job.worker == worker and not job.finished]
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
