"""A render's plan: every frame as the conductor binds it, computed once, cut into shards.

A render is deterministic: given the show, the audio and a replayed event log, frame ``k``'s
latent, networks, slot header and the display state in force are known before anything is
drawn. :meth:`live.engine.conductor.Conductor.plan` binds them all without drawing;
``render --cluster`` sends each shard of the plan to a node, whose conductor draws exactly
those frames (:class:`Conductor` with ``planned``) through the same workers and compositor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from live.contracts.messages import DisplayState


class PlannedFrame(NamedTuple):
    """Frame ``index`` as bound: its job's fields and its slot header's."""

    index: int
    network: int
    crossfade_to: int
    crossfade: float
    ws: np.ndarray          # W+ [num_ws, 512] float32
    gain: float
    beat: float
    song: int
    source_frame: int
    t_audio: float          # the analysed hop's time (render: seconds into the audio)
    t_features: float       # when its features were published (a stamp of the budget)
    flash: bool


@dataclass
class ShowPlan:
    """Frames ``[first, first + len(frames))`` of a render and the display states in force:
    each of ``displays`` from its ``from_index`` on, in order."""

    frames: list[PlannedFrame]
    displays: list[DisplayState]
    first: int = 0

    @property
    def end(self) -> int:
        return self.first + len(self.frames)

    def frame(self, index: int) -> PlannedFrame:
        return self.frames[index - self.first]

    def shard(self, first: int, end: int) -> ShowPlan:
        """Frames ``[first, end)``, opening with the display state in force at ``first``.

        >>> from live.contracts.messages import DisplayState
        >>> plan = ShowPlan([], [DisplayState(False, False, (), 0),
        ...                      DisplayState(True, False, (), 4)])
        >>> [(d.blackout, d.from_index) for d in plan.shard(2, 6).displays]
        [(False, 2), (True, 4)]
        >>> [(d.blackout, d.from_index) for d in plan.shard(4, 6).displays]
        [(True, 4)]
        """
        assert self.first <= first <= end <= self.end or not self.frames
        before = [d for d in self.displays if d.from_index <= first]
        opening = [before[-1]._replace(from_index=first)] if before else []
        return ShowPlan(self.frames[first - self.first:end - self.first],
                        opening + [d for d in self.displays if first < d.from_index < end],
                        first)


class PlanSink:
    """Where the workers and the compositor stand while the conductor plans a render: no
    worker draws, and the display states sent are kept for the plan."""

    def __init__(self) -> None:
        self.displays: list[DisplayState] = []
        self.compositor_inbox = self

    def put(self, message: object) -> None:
        if isinstance(message, DisplayState):
            self.displays.append(message)

    def ready(self) -> list[int]:
        return []
