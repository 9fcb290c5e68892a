"""Frame slots: fixed-size ``H x W x 4`` uint8 pixel buffers in one shared-memory segment.

Workers write pixels straight into a slot and send only the slot number onward, so pixels are
never pickled through a queue. Each slot starts with a small header recording which frame it
holds and when it was dispatched, started and finished.

The ring's layout is :class:`~live.contracts.slots.SlotRing`'s, each slot headed by
``SLOT_HEADER``.
"""

from __future__ import annotations

import numpy as np

from live.contracts.slots import SlotRing

SLOT_HEADER = np.dtype([
    ("index", "<i8"),          # frame index k (show time k / fps); -1 = empty
    ("network", "<i4"),        # network drawn (the first of a crossfade)
    ("crossfade_to", "<i4"),   # second network of a crossfade, -1 = none
    ("crossfade", "<f4"),      # crossfade amount 0..1
    ("gain", "<f4"),           # audio blend alpha used for this frame
    ("worker", "<i4"),         # worker id that drew it
    ("worker_pid", "<i4"),     # its process id (a restarted worker has a new one)
    ("t_due", "<f8"),          # monotonic time the frame should be on screen
    ("t_dispatch", "<f8"),     # monotonic time the conductor sent the job
    ("t_synth_start", "<f8"),  # worker began synthesis
    ("t_synth_end", "<f8"),    # synthesis done and its pixels complete in the slot
    ("t_audio", "<f8"),        # monotonic time of the last audio sample behind the latent
    ("t_features", "<f8"),     # ... and when that hop's features reached shared memory
    ("beat", "<f8"),           # the show's beat position at this frame (beats since frame 0)
    ("song", "<i4"),           # the song of the set on screen (0-based; 0 in a show without songs)
    ("source_frame", "<i8"),   # the projection's source video frame played; -1 = none
])


# A frame's budget, stage by stage: each stage runs from the previous timestamp to its own.
# t_shown (the pixels uploaded) and t_swapped (the first buffer swap showing them) are the
# compositor's, in its frame log; the others come from the slot header.
BUDGET_STAGES = (
    ("features", "t_features"),   # hop captured (t_audio) -> its features published
    ("bind", "t_dispatch"),       # -> bound into a job and sent (late binding waits here)
    ("queue", "t_synth_start"),   # -> the worker starts it
    ("synth", "t_synth_end"),     # -> pixels in the slot
    ("upload", "t_shown"),        # -> due, reordered and uploaded by the compositor
    ("swap", "t_swapped"),        # -> on screen (drawn and swapped)
)


def frame_budget(record: dict) -> dict[str, float] | None:
    """Seconds spent in each stage of ``BUDGET_STAGES`` by one frame-log record, plus
    ``total`` (hop captured to swap); None when the record lacks a timestamp (a render,
    silence before the first hop, a frame replaced before any swap showed it)."""
    times = [record.get("t_audio")] + [record.get(name) for _, name in BUDGET_STAGES]
    if any(not t for t in times):
        return None
    budget = {stage: times[i + 1] - times[i] for i, (stage, _) in enumerate(BUDGET_STAGES)}
    budget["total"] = times[-1] - times[0]
    return budget


class FrameRing(SlotRing):
    """``slots`` frame buffers of ``height x width`` RGBA8 shared between processes.

    The conductor creates it (``FrameRing.create``) and owns slot allocation; workers and the
    compositor attach by name (``FrameRing.attach``). Use as a context manager or call
    :meth:`close`; only the creator removes the segment.
    """

    magic, kind = 0x47414E43, "frame ring"   # "GANC"
    slot_header = SLOT_HEADER

    @classmethod
    def create(cls, slots: int, height: int, width: int, purpose: str = "frames") -> FrameRing:
        ring = cls.create_ring(purpose, slots, height, width)
        for slot in range(slots):
            ring.header(slot)["index"] = -1
        return ring
