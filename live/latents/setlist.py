"""The set: one :class:`~live.latents.instrument.Instrument` per song and the moves between them.

:class:`SetPlayer` sits around the instruments (it never reaches into ``Instrument.frame``):
the conductor asks it for each frame as it would ask one instrument, and it answers with the
song on screen's frame, or, during a transition, a mix of the outgoing and the arriving song:

``cut``
    the next frame is the new song's first.
``cut_on_beat``
    the new song starts on the first frame past the next whole beat (the conductor's beat
    position, :class:`~live.control.tempo.BeatClock`).
``crossfade``
    both songs play for ``transition_seconds`` and their W+ are mixed linearly; when they
    draw with different networks, the workers crossfade those too.
``fade_black``
    the output level falls to 0 over the first half, the new song starts, and it rises again.

Every song but the first is loaded on a background thread as soon as the set starts (the
next songs first), so a switch takes an instrument that is already built: the switch costs
one frame. A move during a transition cuts that transition short. A switch to a song still
loading waits for it while the current song plays on (``wait=True``, for a render, blocks
instead, so a render is the same every time). A song whose files fail to load is refused
with a warning; the show goes on.
"""

from __future__ import annotations

import bisect
import logging
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Callable, NamedTuple, Sequence

import numpy as np

from live.contracts.errors import LiveError
from live.contracts.features import FeatureFrame
from live.contracts.state import ShowState
from live.latents.instrument import Instrument, LatentFrame
from live.latents.songs import SongConfig

log = logging.getLogger(__name__)

# A hop's end position is a sum of float steps: a song starting at 2.0 s is heard from a
# position of 1.9999999 s on.
POSITION_SLACK_S = 1e-6


class SetFrame(NamedTuple):
    """What the set answers for one frame."""

    latent: LatentFrame
    song: int            # the song on screen (0-based); the arriving one once it has started
    level: float         # output level of a fade through black: 1 = full, 0 = black
    seek: float | None   # the audio should jump here (seconds into the program), else None


class _Transition(NamedTuple):
    kind: str
    start: int           # first frame of the transition
    frames: int          # its length in frames
    outgoing: Instrument | None   # crossfade: the song still fading out
    network: int         # crossfade: the network the outgoing song was drawing
    arriving: Instrument
    song: int            # the arriving song


class SetPlayer:
    """Plays the songs of a set in turn; ``load(song)`` builds a song's instrument.

    ``first`` is song 0's instrument, already built (its loading refuses the show at once).
    ``bounds`` are the ``[start, end)`` seconds of each song's audio in the rehearsal or
    render program, for :meth:`song_heard`; None when the audio is not the set's.
    """

    def __init__(self, songs: Sequence[SongConfig], load: Callable[[int], Instrument],
                 first: Instrument, fps: int, bounds: Sequence[tuple[float, float]] | None = None,
                 wait: bool = False) -> None:
        assert songs and fps > 0
        self.songs, self.fps, self.wait = list(songs), fps, wait
        self.bounds = list(bounds) if bounds is not None else None
        self.current = 0
        self.instrument = first
        self.failed: dict[int, str] = {}
        self._loads: dict[int, Future] = {0: _done(first)}
        self._pending: int | None = None
        self._pending_beat = 0.0          # the beat position when a cut_on_beat was asked for
        self._transition: _Transition | None = None
        self._entered_at = 0
        self._latest = -1                 # the highest frame index made so far
        self._heard = 0
        self._last: LatentFrame | None = None
        self._last_beat = 0.0
        self._from_audio = False          # the pending move follows the audio: no seek
        self._seek: float | None = self.bounds[0][0] if self.bounds else None  # the set starts
        self._awaiting: int | None = 0 if self.bounds else None  # song the audio jumps to
        self._restart = False             # loop_song: the song on screen starts again
        self._executor = None
        if len(self.songs) > 1:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="set-preload")
            for song in range(1, len(self.songs)):   # in set order: the next song first
                self._loads[song] = self._executor.submit(load, song)

    @property
    def size(self) -> int:
        return len(self.songs)

    def title(self, song: int) -> str:
        return self.songs[song].title(song + 1)

    def close(self) -> None:
        """Stop loading (songs already loading finish on their own thread)."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)

    def loaded(self, song: int) -> bool:
        future = self._loads.get(song)
        return future is not None and future.done() and future.exception() is None

    # -- moving through the set -------------------------------------------------------------
    def target(self) -> int:
        """The song the set is on or on its way to."""
        if self._pending is not None:
            return self._pending
        return self._transition.song if self._transition is not None else self.current

    def starting_values(self, song: int) -> dict[str, float]:
        """The show state a song starts with (its gain, its networks), as parameter values."""
        config = self.songs[song]
        values = {"gain": config.latents.gain}
        if config.networks:
            values["network"] = config.networks[0]
        if len(config.networks) > 1:
            values["crossfade_to"] = config.networks[1]
        return values

    def go(self, song: int, from_audio: bool = False) -> bool:
        """Move to ``song`` (0-based) with its transition; False for no such song, the song
        already on screen or on its way, or one that failed to load. Unless the move follows
        the audio (``from_audio``), the audio jumps to the song's start as it arrives."""
        if not 0 <= song < self.size or song == self.target() or song in self.failed:
            return False
        self._pending, self._from_audio = song, from_audio
        self._pending_beat = self._last_beat
        return True

    def step(self, by: int) -> bool:
        """Next (+1) or previous (-1) song from the one on screen or on its way."""
        return self.go(self.target() + by)

    def song_heard(self, features: FeatureFrame | None, loop: bool = False) -> int | None:
        """The song whose audio has just begun playing (rehearsal, render), when the set is
        elsewhere; None otherwise. Only a change of the song heard counts, so a performer's
        switch is not undone by the audio still playing the song before; after a jump of the
        audio, nothing counts until the song jumped to is heard. With ``loop`` the song on
        screen starts again instead (its audio from its start, its journey from the next
        frame)."""
        if self.bounds is None or features is None or features.position < 0:
            return None
        starts = [start for start, _ in self.bounds]
        heard = max(0, bisect.bisect_right(starts, features.position + POSITION_SLACK_S) - 1)
        if self._awaiting is not None:
            if heard == self._awaiting:
                self._awaiting, self._heard = None, heard
            return None
        if heard == self._heard:
            return None
        if loop and self._heard == self.current == self.target():
            self._restart = True
            return None
        self._heard = heard
        return heard if heard != self.target() else None

    # -- per frame ---------------------------------------------------------------------------
    def frame(self, index: int, features: FeatureFrame | None, state: ShowState,
              beat: float, beats_crossed: int = 0,
              on_enter: Callable[[int], None] = lambda song: None) -> SetFrame:
        """The frame ``index`` (increasing), at the show's ``beat`` position, ``beats_crossed``
        whole beats after the previous frame (for the songs' beat moves). A song arriving
        at this frame is announced to ``on_enter`` before the frame is made, so the state
        the song starts with (its gain, its network) is already its first frame's."""
        entered = self._start_pending(index, beat)
        self._latest = max(self._latest, index)
        if self._restart:   # the song's own start values stay as the performer set them
            self._restart = False
            if not entered:
                self._from_audio = False
                self._enter(self.instrument, self.current, index)
        self._last_beat = beat
        transition, level = self._transition, 1.0
        if transition is not None and transition.kind == "fade_black" and \
                index == transition.start + transition.frames // 2:   # black: switch now
            self._enter(transition.arriving, transition.song, index)
            entered = True
        if entered:
            on_enter(self.current)
        latent = self.instrument.frame(index, features, state, beats_crossed)
        if transition is not None:
            # (a frame bound after a later one may come before the transition began)
            progress = min(1.0, max(0.0, (index - transition.start) / transition.frames))
            if transition.kind == "crossfade":
                outgoing = transition.outgoing.frame(index, features, state, beats_crossed)
                latent = _mix(outgoing, latent, transition.network, progress)
            else:   # fade_black: down to 0 at the middle, then up again
                level = abs(1.0 - 2.0 * progress)
            if index >= transition.start + transition.frames:
                self._transition = None
        self._last = latent
        seek, self._seek = self._seek, None
        return SetFrame(latent, self.current, level, seek)

    def seconds_in_song(self, index: int) -> float:
        return max(0, index - self._entered_at) / self.fps

    def hud_line(self, index: int) -> str:
        """Song, position in it, and what comes next, for the HUD."""
        seconds = int(self.seconds_in_song(index))
        line = (f"song {self.current + 1}/{self.size} {self.title(self.current)}   "
                f"{seconds // 60}:{seconds % 60:02d}")
        if self._pending is not None:
            waiting = "" if self.loaded(self._pending) else " (loading)"
            line += f"   -> {self.title(self._pending)}{waiting}"
        elif self.current + 1 < self.size:
            line += f"   next {self.title(self.current + 1)}"
        return line

    def jump_to_cue(self, number: int) -> bool:
        return self.instrument.jump_to_cue(number)

    def save_favourite(self, folder: str | Path) -> Path:
        return self.instrument.save_favourite(folder)

    # -- inside ------------------------------------------------------------------------------
    def _start_pending(self, index: int, beat: float) -> bool:
        """Begin the pending switch if its song is loaded (and, for cut_on_beat, a beat has
        passed); True when ``index`` is the new song's first frame."""
        song = self._pending
        # A frame bound behind a later one (a slower worker's later frame was bound first)
        # stays with the song that later frame has: a switch never shows the old song after
        # the new one.
        if song is None or index <= self._latest:
            return False
        future = self._loads[song]
        if not future.done() and not self.wait:
            return False
        try:
            arriving = future.result()
        except Exception as exc:  # whatever broke the song's loading, the show plays on
            self.failed[song] = str(exc) if isinstance(exc, LiveError) \
                else f"{type(exc).__name__}: {exc}"
            log.warning("song %d (%s) cannot be played: %s", song + 1, self.title(song), exc)
            self._pending = None
            return False
        config = self.songs[song]
        if config.transition == "cut_on_beat" and int(beat) <= int(self._pending_beat):
            return False
        # A transition still running is cut short: the performer has moved on.
        self._pending, self._transition = None, None
        frames = round(config.transition_seconds * self.fps)
        if config.transition == "fade_black" and frames > 1:   # the switch comes at black
            self._transition = _Transition("fade_black", index, frames, None, 0, arriving, song)
            return False
        if config.transition == "crossfade" and frames > 0:
            network = self._last.network if self._last is not None else 0
            self._transition = _Transition("crossfade", index, frames, self.instrument, network,
                                           arriving, song)
        self._enter(arriving, song, index)
        return True

    def _enter(self, instrument: Instrument, song: int, index: int) -> None:
        self.current, self.instrument, self._entered_at = song, instrument, index
        instrument.start_at(index)
        if self.bounds is not None and not self._from_audio:
            self._seek, self._awaiting = self.bounds[song][0], song


def _mix(outgoing: LatentFrame, arriving: LatentFrame, outgoing_network: int,
         weight: float) -> LatentFrame:
    """``arriving`` with ``weight`` of it mixed against ``outgoing``; networks that differ
    crossfade on the workers by the same weight."""
    ws = ((1.0 - weight) * outgoing.ws + weight * arriving.ws).astype(np.float32)
    if outgoing_network == arriving.network:
        return arriving._replace(ws=ws)
    return arriving._replace(ws=ws, network=outgoing_network, crossfade_to=arriving.network,
                             crossfade=float(weight))


def _done(value: object) -> Future:
    future: Future = Future()
    future.set_result(value)
    return future
