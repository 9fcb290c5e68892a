"""The small messages that travel between processes (pixels never do: see ``frames.py``).

    conductor --FrameJob--> worker --FrameDone--> conductor --FrameDone--> compositor
    compositor --SlotFree--> conductor
    compositor --Intent (keys)--> conductor --DisplayState--> compositor
    conductor --ShowStart--> compositor; every child --Status--> conductor
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from live.contracts.parameters import parameter


class FrameJob(NamedTuple):
    """Draw frame ``index`` into ``slot``. ``ws`` is W+ ``[num_ws, 512]`` float32.
    ``flash``: the onset test pattern: draw it, then paint the slot full white."""

    index: int
    slot: int
    network: int
    crossfade_to: int      # -1 = no crossfade
    crossfade: float       # weight of crossfade_to, 0..1
    ws: np.ndarray
    gain: float
    t_due: float
    t_dispatch: float
    t_audio: float
    flash: bool = False


class FrameDone(NamedTuple):
    """Frame ``index`` is complete in ``slot`` (its header has the details). ``drawn`` is
    false when the network drew NaN/inf: the slot holds no picture, and the frame is dropped
    so the last picture stays on screen."""

    index: int
    slot: int
    worker: int
    drawn: bool = True


class SlotFree(NamedTuple):
    """The compositor is done with ``slot``: shown at ``t_shown``, or dropped (``shown`` false)."""

    slot: int
    index: int
    shown: bool
    t_shown: float


class Status(NamedTuple):
    """A child's news: ``source`` is ``"worker:0"``, ``"compositor"`` or ``"audio"``;
    ``status`` is ``"ready"``, ``"finished"``, ``"warning"``, ``"error"`` or ``"report"`` (a
    line for the show's closing summary, such as what an NDI source sent)."""

    source: str
    status: str
    detail: str
    # A worker's "ready": how long a frame took it once warmed up, the guess at its speed.
    seconds: float | None = None


class ShowStart(NamedTuple):
    """Frame 0 is due on screen at monotonic time ``t0``; ``frames`` ends the show (None: run
    on). ``audio_offset``: seconds into the recording's audio file heard at ``t0``, when only
    known once the show starts (a rehearsal file already playing); None keeps the spec's.
    ``first``: a render's shard starts at that frame (the frames before it are drawn
    elsewhere, ``render --cluster``) and ends before ``frames``."""

    t0: float
    frames: int | None
    audio_offset: float | None = None
    first: int = 0


class AudioJump(NamedTuple):
    """The rehearsal audio jumped (a seek: the set moving to a song): from monotonic time
    ``time`` on, the recording's audio file is heard from ``position`` seconds, so the
    recording muxes it from there."""

    time: float
    position: float


class PerformedLook(NamedTuple):
    """The output stage's performed look, as the shader applies it; each field is the show
    state's parameter of that name (declared in ``parameters.py``)."""

    master: float
    punch: float
    saturation: float
    hue: float            # degrees
    invert: bool
    zoom: float
    pan_x: float
    pan_y: float
    spin: float           # degrees
    feedback: float       # the trails' share of the picture, 0 = off
    trail_time: float     # seconds for a trail to fade to a tenth
    strobe: float         # the beat flash's strength, 0 = off
    strobe_every: int     # index into the strobe_every parameter's choices

    @classmethod
    def of(cls, state: Any) -> PerformedLook:
        """The look held by ``state`` (a ``ShowState``, or anything with these fields)."""
        return cls(*(getattr(state, name) for name in cls._fields))

    @classmethod
    def declared_defaults(cls) -> PerformedLook:
        return cls(*(parameter(name).default for name in cls._fields))


assert all(parameter(name).stage == "output" for name in PerformedLook._fields)


class PerformedLayers(NamedTuple):
    """How the layers are stacked (issue 12): the GAN frame's placement, opacity and blend
    over the video layer, and the eye overlays' rule; each field is the show state's
    parameter of that name (declared in ``parameters.py``)."""

    frame_scale: float
    frame_x: float
    frame_y: float
    frame_opacity: float
    frame_blend: int      # index into the declaration's choices (normal, add, ...)
    eyes: bool
    eye_hash: float
    eye_distance: float
    eye_track: float
    eye_fade: float

    @classmethod
    def of(cls, state: Any) -> PerformedLayers:
        """The layers held by ``state`` (a ``ShowState``, or anything with these fields)."""
        return cls(*(getattr(state, name) for name in cls._fields))

    @classmethod
    def declared_defaults(cls) -> PerformedLayers:
        return cls(*(parameter(name).default for name in cls._fields))


assert all(parameter(name).stage == "output" for name in PerformedLayers._fields)


class DisplayState(NamedTuple):
    """What the compositor draws besides frames: blackout, HUD, the HUD's lines, the
    performed look and the layers.

    ``from_index``: the first frame the change belongs to. A render applies it exactly from
    that frame, so a replayed blackout fades on the same frames every time; live shows it at
    once (the performer wants the blackout now, not after the frames in flight)."""

    blackout: bool
    hud: bool
    hud_lines: tuple[str, ...]
    from_index: int = 0
    look: PerformedLook = PerformedLook.declared_defaults()
    layers: PerformedLayers = PerformedLayers.declared_defaults()


class Stop(NamedTuple):
    """Finish: the compositor finalises its recording, workers exit."""

    reason: str
