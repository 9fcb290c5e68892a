"""Which frame goes on screen: the reorder buffer, pure logic with no GL or queues.

Workers finish frames in any order. Frame ``k`` is due on screen in show period ``k``
(monotonic time ``t0 + k / fps``). At each output period ``p`` the live rule is:

- show the newest frame ``k`` that has arrived with ``shown < k <= p`` (frames are never
  shown early, and never before one already shown: no going backwards);
- frames older than the one shown are superseded and dropped, and so is any frame that
  arrives after a newer one was shown;
- a frame still waiting ``max_latency`` periods after it was due is dropped as late
  (except before anything has been shown: the first picture is better late than never);
- with nothing new, the last frame stays on screen.

Render mode (``ordered=True``) shows every frame in index order, waiting as long as it
takes, and drops nothing. Dropped frames come back to the caller so their slots are freed.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Decision:
    """The outcome of one output period: the frame to show (if any) and frames to drop."""

    show: tuple[int, int] | None = None           # (index, slot)
    drop: list[tuple[int, int]] = field(default_factory=list)


class ReorderBuffer:
    """Frames that arrived but are not shown yet, keyed by index, with the show/drop rule."""

    def __init__(self, max_latency: int, ordered: bool = False) -> None:
        self.max_latency = max_latency
        self.ordered = ordered
        self.pending: dict[int, int] = {}    # index -> slot
        self.last_shown = -1
        self.dropped = 0

    def arrive(self, index: int, slot: int) -> list[tuple[int, int]]:
        """A completed frame; returns it at once as a drop if a newer one was already shown."""
        if index <= self.last_shown or index in self.pending:
            self.dropped += 1
            return [(index, slot)]
        self.pending[index] = slot
        return []

    def next_in_order(self) -> Decision:
        """Render mode: the next index if it has arrived, else nothing (wait for it)."""
        slot = self.pending.pop(self.last_shown + 1, None)
        if slot is None:
            return Decision()
        self.last_shown += 1
        return Decision(show=(self.last_shown, slot))

    def at_period(self, period: int) -> Decision:
        """Live mode: what to show during output period ``period``."""
        if self.ordered:
            return self.next_in_order()
        nothing_shown_yet = self.last_shown < 0
        eligible = [k for k in self.pending if k <= period
                    and (period - k < self.max_latency or nothing_shown_yet)]
        decision = Decision()
        if eligible:
            newest = max(eligible)
            decision.show = (newest, self.pending.pop(newest))
            self.last_shown = newest
        stale = [k for k in self.pending
                 if k <= self.last_shown or period - k >= self.max_latency]
        for k in sorted(stale):
            decision.drop.append((k, self.pending.pop(k)))
        self.dropped += len(decision.drop)
        return decision

    def drain(self) -> list[tuple[int, int]]:
        """Everything still pending (at the end of the show), so the slots can be freed."""
        left = sorted(self.pending.items())
        self.pending.clear()
        return left
