"""Which frame to draw next, into which slot, on which worker: pure bookkeeping, no I/O.

Frame ``k`` is due on screen at ``t0 + k / fps``. In **live** mode a frame is dispatched at
most ``lead_frames`` periods before it is due, and a frame whose due time has already passed
is skipped rather than drawn late (the compositor holds the previous picture meanwhile), so a
slow machine shows fewer distinct frames instead of falling behind the music. In **render**
mode every frame is drawn, as fast as slots and workers allow, and a frame lost with a dead
worker is drawn again.
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
    finished: bool = False  # the worker wrote its pixels (read from the slot header)


class Scheduler:
    """Slot and worker bookkeeping for the conductor.

    Args:
        slots: frame slots in the ring.
        fps: show frames per second.
        t0: monotonic time frame 0 is due.
        realtime: live pacing (True) or offline render (False).
        frames: frames in the show, None for no end.
        lead_frames: how many periods ahead of its due time a frame may be dispatched.
        jobs_per_worker: unfinished jobs a worker may hold, so it always has the next one.
    """

    def __init__(self, slots: int, fps: float, t0: float, *, realtime: bool = True,
                 frames: int | None = None, lead_frames: int = 3, jobs_per_worker: int = 2):
        assert slots >= 1 and fps > 0 and lead_frames >= 1 and jobs_per_worker >= 1
        self.fps, self.t0, self.realtime, self.frames = fps, t0, realtime, frames
        self.lead_frames, self.jobs_per_worker = lead_frames, jobs_per_worker
        self.free_slots = list(range(slots))
        self.in_flight: dict[int, InFlight] = {}  # by slot
        self.next_index = 0
        self.redo: list[int] = []    # render mode: indices lost with a worker, drawn again first
        self.skipped = 0             # live mode: frames never drawn because they were already late

    def due(self, index: int) -> float:
        return self.t0 + index / self.fps

    @property
    def done(self) -> bool:
        """Every frame of a finite show has been dispatched (and none is waiting to be redone)."""
        return self.frames is not None and self.next_index >= self.frames and not self.redo

    def next_dispatch_time(self) -> float:
        """When the next frame may be dispatched (live mode); now or earlier means now."""
        return self.due(self.next_index) - self.lead_frames / self.fps

    def take(self, now: float, ready_workers: list[int]) -> tuple[int, int, int] | None:
        """The next ``(index, slot, worker)`` to dispatch at ``now``, or None to wait."""
        if not self.free_slots:
            return None
        worker = self._least_busy(ready_workers)
        if worker is None:
            return None
        if self.redo:
            index = self.redo.pop(0)
        else:
            if self.realtime:
                late = math.floor((now - self.t0) * self.fps) + 1 - self.next_index
                if late > 0:  # those frames' moment has passed: skip to the first one still ahead
                    self.skipped += late
                    self.next_index += late
                if now < self.next_dispatch_time():
                    return None
            if self.frames is not None and self.next_index >= self.frames:
                return None
            index = self.next_index
            self.next_index += 1
        slot = self.free_slots.pop(0)
        self.in_flight[slot] = InFlight(index, slot, worker, now)
        return index, slot, worker

    def _least_busy(self, ready_workers: list[int]) -> int | None:
        load = {w: 0 for w in ready_workers}
        for job in self.in_flight.values():
            if job.worker in load and not job.finished:
                load[job.worker] += 1
        candidates = [w for w in ready_workers if load[w] < self.jobs_per_worker]
        return min(candidates, key=lambda w: (load[w], w)) if candidates else None

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

    def reclaim_stale(self, now: float, timeout: float) -> list[int]:
        """Free slots that have been out longer than ``timeout`` seconds (live mode safety net
        for a frame whose completion message was lost with a dying process)."""
        stale = [job for job in self.in_flight.values() if now - job.t_dispatch > timeout]
        for job in stale:
            del self.in_flight[job.slot]
            self.free_slots.append(job.slot)
        return sorted(job.index for job in stale)
