"""The conductor: the show's clock and the only owner of its state (runs in the main process).

For frame ``k`` it reads the newest audio features, applies the control events that arrived,
asks the instrument for the W+ latent and network, and sends a small :class:`FrameJob` to a
worker. Everything here is cheap; the heavy work happens in the worker and compositor
processes. Given the same config, audio and control events, it sends the same jobs.
"""

from __future__ import annotations

import logging
import math
import queue
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Protocol

from live.contracts.errors import ConfigError
from live.contracts.features import FeatureFrame
from live.contracts.parameters import PARAMETERS, parameter
from live.contracts.state import ControlEvent, Intent, ShowState, resolve
from live.contracts.frames import FrameRing
from live.contracts.messages import (AudioJump, DisplayState, FrameDone, FrameJob,
                                    PerformedLayers, PerformedLook, ShowStart, SlotFree, Status,
                                    Stop)
from live.control.scenes import Morph, SceneBook, snapshot, split
from live.control.tempo import MUSIC_TEMPO_STEP, BeatClock, on_the_music
from live.engine.plan import PlannedFrame, PlanSink, ShowPlan
from live.engine.scheduler import Scheduler
from live.engine.showbox import ShowBox
from live.overlay.hud import warning

log = logging.getLogger(__name__)

# The set's moves: each takes the set and the event, and says whether it moved.
SONG_MOVES = {
    "next_song": lambda songs, _event: songs.step(+1),
    "previous_song": lambda songs, _event: songs.step(-1),
    "song": lambda songs, event: songs.go(int(event.value), from_audio=event.source == "audio"),
}

HUD_REFRESH_S = 0.5        # how often HUD lines are resent while the HUD is on
STALE_SLOT_S = 5.0         # a slot out this long in live mode is taken back (lost message)
FINISH_TIMEOUT_S = 1.5     # how long to wait for the compositor to finalise after Stop
MIN_WAIT_S = 0.001         # the loop never spins: it sleeps at least this long between looks
MAX_WAIT_S = 0.01          # ... and at most this long (control events are polled, not pushed)
FIRST_FRAME_TIMEOUT_S = 30.0  # live: no frame on screen by then means the workers cannot cope
HUD_WARNING_S = 5.0        # a child's warning (e.g. a network drawing NaN) stays on the HUD
HUD_WARNING_CHARS = 96     # ... shortened to this (the log has it all)
ANALYSIS = parameter("tempo_source").choices.index("analysis")


class Workers(Protocol):
    """What the conductor needs from the supervisor."""

    compositor_inbox: Any  # the current compositor's queue (a new one after a restart)

    def ready(self) -> list[int]: ...
    def frame_seconds(self, worker: int) -> float | None: ...  # from its ready Status
    def send(self, worker: int, job: FrameJob) -> None: ...
    def on_status(self, status: Status) -> None: ...
    def check(self) -> list[int]: ...  # ids of workers found dead since the last check
    def compositor_exit(self) -> int | None: ...  # its exit code once it has died
    def restart_compositor(self, why: str) -> str | None: ...  # None, or why it was not


class ControlSource(Protocol):
    def poll(self) -> list[ControlEvent]: ...
    def feedback(self, state: ShowState) -> None: ...
    def send_status(self, messages: dict[str, Any]) -> None: ...


@dataclass
class ShowSummary:
    """What happened, for the CLI's closing line and for tests."""

    frames_dispatched: int = 0
    frames_shown: int = 0
    frames_dropped: int = 0
    frames_skipped: int = 0
    frames_thinned: int = 0   # left out by the thermal guard's lower rate
    workers_lost: int = 0
    events: list[ControlEvent] = field(default_factory=list)
    stop_reason: str = ""
    output: str = ""
    failed: bool = False  # the show could not do its job (nothing shown, compositor error)
    song_starts: list[tuple[int, int]] = field(default_factory=list)  # (first frame, song)
    reports: list[str] = field(default_factory=list)  # children's closing lines (NDI's counts)


class Conductor:
    """Runs one show from :meth:`start` to the compositor's ``finished``.

    Args:
        instrument: the set (``live.latents.setlist.SetPlayer``): ``frame(index, features,
            state, beat) -> SetFrame``, the songs and the moves between them.
        features_at: the audio features for frame ``index`` due at monotonic ``t_due`` (live:
            the newest hop heard by then; render: the file's analysis at ``index / fps``).
        ring: the frame slots (the conductor writes each slot's dispatch header).
        workers: the supervisor's view of the worker processes.
        inbox: the queue from every child (frames finished, slots freed, news); frames go on
            to the compositor through ``workers.compositor_inbox``.
        controls: MIDI/OSC/keyboard sources polled every loop (None for none).
        replay: control events (show time) applied before the frame they precede.
        realtime: live pacing, or offline render (every frame, as fast as possible).
        frames: frames in the show, None to run until stopped.
        on_event: called with each applied event (the event log).
        audio_offset: seconds into the playing audio file heard at a given monotonic time
            (for muxing the recording), None when the spec's offset holds.
        audio_jump: the newest jump of the playing audio file ``(heard at, position)``, or
            None; each new one goes on to the compositor, whose recording follows it.
        on_shown: called with the number of frames shown so far (render's progress bar).
        favourites: the folder "save favourite" writes W files into.
        hud_always: keep the HUD lines fresh even while the HUD is off (a preview window
            shows them all the time).
        showbox: GPU telemetry, the thermal guard and the cooler (None: not watched).
        scenes: the show's scenes, which scene_save and scene_recall use (None: a render,
            whose recalls are in its replayed log as the events they made).
        seek_audio: makes the rehearsal audio jump to a position (seconds into the program)
            as the set arrives at a song; None when the audio is not the set's.
        dispatch_margin_s: live: a job is sent this long before its worker's predicted
            synthesis would end at the frame's due time (see :class:`Scheduler`).
        flash_onsets: the onset test pattern: a frame bound after a detected onset is white.
        planned: a render's shard, bound beforehand (:meth:`plan`): its frames are drawn as
            planned and its display states sent as planned; no instrument, features or
            replay are needed.
    """

    def __init__(self, *, fps: int, state: ShowState, network_count: int, instrument,
                 features_at: Callable[[int, float], FeatureFrame | None], ring: FrameRing,
                 workers: Workers, inbox, controls: ControlSource | None,
                 replay: Iterable[ControlEvent] = (), realtime: bool = True,
                 frames: int | None = None,
                 on_event: Callable[[ControlEvent], None] | None = None,
                 audio_offset: Callable[[float], float | None] = lambda t0: None,
                 audio_jump: Callable[[], tuple[float, float] | None] = lambda: None,
                 on_shown: Callable[[int], None] | None = None,
                 favourites: Path = Path("out/favourites"),
                 hud_always: bool = False,
                 showbox: ShowBox | None = None,
                 scenes: SceneBook | None = None,
                 seek_audio: Callable[[float], None] | None = None,
                 dispatch_margin_s: float = Scheduler.MARGIN_S,
                 flash_onsets: bool = False,
                 planned: ShowPlan | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.fps, self.state, self.network_count = fps, state, network_count
        self.instrument, self.features_at, self.ring = instrument, features_at, ring
        self.workers, self.inbox = workers, inbox
        self.controls, self.realtime, self.frames = controls, realtime, frames
        self.replay = sorted(replay, key=lambda e: e.time)
        self.on_event, self.clock = on_event, clock
        self.audio_offset, self.on_shown, self.favourites = audio_offset, on_shown, favourites
        self.audio_jump, self._audio_jumped = audio_jump, None
        self.hud_always, self.showbox, self.scenes = hud_always, showbox, scenes
        self.seek_audio, self.flash_onsets = seek_audio, flash_onsets
        self.dispatch_margin_s = dispatch_margin_s
        self.planned = planned
        self._morph: Morph | None = None   # a scene recall's glide under way
        self.summary = ShowSummary()
        self.beats = BeatClock(fps)
        self._whole_beats = 0          # whole beats the instrument has been told of
        self.scheduler: Scheduler | None = None
        self._stop_reason = ""
        self._finished = False
        self._last_display: DisplayState | None = None
        self._last_hud = 0.0
        self._last_status = 0.0     # when the show box's figures last went to OSC state-out
        self._show_start: ShowStart | None = None
        self._compositor_up = True     # the compositor of the moment reported ready
        self._compositor_failure = ""  # what the compositor of the moment said when it failed
        self._warning: tuple[float, str] | None = None  # a child's latest warning and when
        self._set_level = 1.0          # the set's fade through black, applied to the master

    # -- control ---------------------------------------------------------------------------
    def request_stop(self, reason: str) -> None:
        """Ask the show to end (signal handlers call this); the loop finalises and returns."""
        if not self._stop_reason:
            self._stop_reason = reason

    def show_time(self) -> float:
        return self.clock() - self.scheduler.t0 if self.scheduler else 0.0

    def _apply(self, event: ControlEvent, replayed: bool = False) -> None:
        if not self.state.apply(event, self.network_count):
            log.info("ignored control event %s", event)
            return
        self.summary.events.append(event)
        if self.on_event:
            self.on_event(event)
        if self._morph is not None and event.source != self._morph.source:
            self._morph.leave(event.name)   # the performer takes it over from the glide
        if event.name in ("scene_save", "scene_recall"):
            if not replayed:   # a replayed recall's events follow it in the log
                self._scene(event)
        elif event.name == "quit":
            self.request_stop("quit from " + event.source)
        elif event.name == "cue" and not self.instrument.jump_to_cue(int(event.value)):
            log.warning("cue %d is not in [latents] cues", int(event.value))
        elif event.name == "beat_sync":
            self.beats.sync(event.time, event.value)
        elif event.name == "save_favourite":
            log.warning("favourite W saved to %s", self.instrument.save_favourite(self.favourites))
        elif event.name in SONG_MOVES and not SONG_MOVES[event.name](self.instrument, event):
            log.warning("%s %g: no such song to go to (or it is already playing, or it failed "
                        "to load)", event.name, event.value)

    def _scene(self, event: ControlEvent) -> None:
        """Save or recall scene ``event.value``; a problem is a warning, the show goes on."""
        number = int(event.value)
        if self.scenes is None:
            return
        try:
            if event.name == "scene_save":
                self.scenes.save(number, snapshot(self.state))
                log.warning("scene %d saved to %s", number, self.scenes.path)
                return
            switched, glided = split(self.scenes.recall(number))
        except (ConfigError, OSError) as exc:
            where = self.scenes.path
            self._warn(str(exc), hud=str(exc).replace(str(where), where.name))  # HUD: short
            return
        source = f"scene {number}"
        for name, value in switched.items():   # bools, networks, choices: at the start
            if getattr(self.state, name) != value:
                self._apply(ControlEvent(event.time, source, name, value))
        frames = round(self.state.scene_morph * self.fps)
        if frames == 0:
            for name, value in glided.items():
                self._apply(ControlEvent(event.time, source, name, value))
            self._morph = None
        else:
            self._morph = Morph(number, snapshot(self.state), glided, frames)

    def _glide(self, index: int) -> bool:
        """Frame ``index``'s step of a scene recall's glide, as events (logged, so a replay
        glides alike); whether anything glided."""
        if self._morph is None:
            return False
        morph = self._morph
        for name, value in morph.values_at(index).items():
            self._apply(ControlEvent(index / self.fps, morph.source, name, value))
        if morph.done:
            self._morph = None
        return True

    def _warn(self, text: str, hud: str | None = None) -> None:
        """A problem the performer should see: the log, and the HUD (``hud``, if shorter)
        for a while."""
        log.warning("%s", text)
        self._warning = (self.clock(), textwrap.shorten(hud or text, HUD_WARNING_CHARS))

    # -- the loop --------------------------------------------------------------------------
    def run(self, lead_s: float) -> ShowSummary:
        """Start frame 0 ``lead_s`` from now and run to the end; returns the summary."""
        t0 = self.clock() + lead_s
        first = self.planned.first if self.planned else 0
        self.scheduler = Scheduler(self.ring.slots, self.fps, t0, realtime=self.realtime,
                                   frames=self.frames, margin_s=self.dispatch_margin_s,
                                   first=first)
        self._first_guesses()
        self._show_start = ShowStart(t0, self.frames, self.audio_offset(t0), first)
        self.workers.compositor_inbox.put(self._show_start)
        if self.planned is not None:
            for display in self.planned.displays:
                self.workers.compositor_inbox.put(display)
        else:   # from the first frame on (a render's first frames were drawn before it)
            self._update_display(from_index=0)
        stop_sent_at = None
        while not self._finished:
            self._drain_inbox(timeout=self._wait_time())
            self._forward_audio_jump()
            for lost in self.workers.check():
                self.summary.workers_lost += 1
                indices = self.scheduler.worker_lost(lost)
                log.warning("worker %d died with frames %s in flight", lost, indices)
            if (code := self.workers.compositor_exit()) is not None and not self._finished:
                self._drain_inbox(timeout=0.2)  # its last words may still be in the queue
                if not self._finished:
                    self._compositor_died(self._compositor_failure or f"exited (code {code})")
            if self.controls is not None:
                for event in self.controls.poll():
                    self._apply(event)
            if self._stop_reason and stop_sent_at is None:
                self.workers.compositor_inbox.put(Stop(self._stop_reason))
                stop_sent_at = self.clock()
            if stop_sent_at is not None:
                if self.clock() - stop_sent_at > FINISH_TIMEOUT_S:
                    log.warning("compositor did not finish within %.1f s", FINISH_TIMEOUT_S)
                    break
                continue
            if self.showbox is not None and self.realtime:
                self.showbox.update(self.clock(), self.scheduler, self.state, self.show_time())
            self._dispatch()
            if self.realtime:
                self.scheduler.reclaim_stale(self.clock(), STALE_SLOT_S)
                if self.summary.frames_shown == 0 and \
                        self.clock() - t0 > FIRST_FRAME_TIMEOUT_S:
                    self.summary.failed = True
                    self.request_stop(f"no frame reached the screen in "
                                      f"{FIRST_FRAME_TIMEOUT_S:.0f} s (see the log above)")
            if self.planned is None:
                self._update_display()
        self.summary.frames_skipped = self.scheduler.skipped
        self.summary.frames_thinned = self.scheduler.thinned
        self.summary.stop_reason = self._stop_reason or "end of show"
        return self.summary

    def _forward_audio_jump(self) -> None:
        """Tell the compositor the audio jumped, so its recording muxes what was heard; a
        compositor started after it is told where the audio is at t0 on the new course."""
        jump = self.audio_jump()
        if jump is None or jump == self._audio_jumped:
            return
        self._audio_jumped = jump
        heard_at, position = jump
        self.workers.compositor_inbox.put(AudioJump(heard_at, position))
        self._show_start = self._show_start._replace(
            audio_offset=position - (heard_at - self._show_start.t0))

    def _compositor_died(self, why: str) -> None:
        """Live, mid-show: another compositor takes over (the finished frames the dead one
        held are taken back; unfinished ones go to the new one) and the show goes on. A
        render, a show already ending, or a compositor that keeps dying ends with the reason."""
        if self.realtime and not self._stop_reason:
            refused = self.workers.restart_compositor(why)
            if refused is None:
                self._note_finished_frames()
                reclaimed = self.scheduler.reclaim_finished()
                log.info("frames %s died with the compositor", reclaimed)
                self._compositor_up, self._compositor_failure = False, ""
                self.workers.compositor_inbox.put(self._show_start)   # same t0: indices go on
                self._last_display = None    # the new one is told the blackout and HUD again
                return
            reason = refused
        else:
            reason = f"the compositor {why}"
        self._finished = self.summary.failed = True
        self.request_stop(reason)

    def _wait_time(self) -> float:
        """How long to wait for a message before looking again. Every message that can
        unblock a dispatch (a finished frame, a freed slot) ends the wait early."""
        if self._stop_reason or not self.realtime:
            return MAX_WAIT_S
        until = self.scheduler.next_dispatch_time() - self.clock()
        return min(max(until, MIN_WAIT_S), MAX_WAIT_S)

    def _drain_inbox(self, timeout: float) -> None:
        try:
            message = self.inbox.get(timeout=timeout) if timeout > 0 else self.inbox.get_nowait()
            while True:
                self._handle(message)
                message = self.inbox.get_nowait()
        except queue.Empty:
            pass

    def _handle(self, message) -> None:
        if isinstance(message, FrameDone):
            # Passed on unless its slot was taken back meanwhile (its compositor died).
            job = self.scheduler.in_flight.get(message.slot)
            if job is not None and job.index == message.index:
                self.workers.compositor_inbox.put(message)
        elif isinstance(message, SlotFree):
            self.scheduler.slot_freed(message.slot, message.index)
            if message.shown:
                self.summary.frames_shown += 1
                if self.on_shown:
                    self.on_shown(self.summary.frames_shown)
            else:
                self.summary.frames_dropped += 1
        elif isinstance(message, Intent):
            # Resolved against the one true state; the event it becomes is what is logged.
            event = resolve(message._replace(time=self.show_time()), self.state)
            if event is None:
                log.info("ignored intent %s", message)
            else:
                self._apply(event)
        elif isinstance(message, Status):
            if message.status == "warning":
                self._warning = (self.clock(), textwrap.shorten(
                    f"{message.source}: {message.detail}", HUD_WARNING_CHARS))
            if message.source == "compositor":
                self._compositor_news(message)
            else:
                self.workers.on_status(message)
                if message.seconds is not None:   # a worker restarted after a death is up
                    self._first_guesses()

    def _first_guesses(self) -> None:
        """Workers ready but not yet measured are planned with the frame time they reported
        as they started."""
        for worker in self.workers.ready():
            if (seconds := self.workers.frame_seconds(worker)) is not None:
                self.scheduler.first_guess(worker, seconds)

    def _compositor_news(self, message: Status) -> None:
        if message.status == "finished":
            self._finished = True
            self.summary.output = message.detail
        elif message.status == "ready":
            self._compositor_up = True
            log.warning("the compositor is back (%s)", message.detail)
        elif message.status == "warning":
            log.warning("compositor: %s", message.detail)
        elif message.status == "report":
            self.summary.reports.append(message.detail)
        elif message.status == "error":
            log.error("compositor: %s", message.detail)
            if self._compositor_up and self.realtime and not self._stop_reason:
                self._compositor_failure = f"failed ({message.detail})"  # it exits: restarted
            else:
                self._finished = self.summary.failed = True
                self.request_stop("compositor error: " + message.detail)

    def _note_finished_frames(self) -> None:
        """Read from the slot headers which frames the workers have started and finished."""
        for job in self.scheduler.in_flight.values():
            if not job.finished:
                header = self.ring.header(job.slot)
                job.t_started = float(header["t_synth_start"])
                t_end = float(header["t_synth_end"])
                if t_end > 0.0:
                    job.finished = True
                    self.scheduler.synth_measured(job.worker, t_end - job.t_started)

    def plan(self) -> ShowPlan:
        """Bind every frame of a render in order without drawing one: the show's plan, the
        same frames and display states a render sends (``render --cluster`` shards it).
        The conductor's ``workers`` must be a :class:`PlanSink`, which keeps the displays."""
        assert isinstance(self.workers, PlanSink) and self.frames is not None
        self.scheduler = Scheduler(1, self.fps, 0.0, realtime=False, frames=self.frames)
        self._update_display(from_index=0)
        frames = []
        for index in range(self.frames):
            frames.append(self._bind(index, self.scheduler.due(index)))
            self.scheduler.next_index = index + 1
            self._update_display()   # as the render loop does after each dispatch
        return ShowPlan(frames, self.workers.displays)

    def _dispatch(self) -> None:
        scheduler = self.scheduler
        self._note_finished_frames()
        while (taken := scheduler.take(self.clock(), self.workers.ready())) is not None:
            index, slot, worker = taken
            frame = self.planned.frame(index) if self.planned is not None \
                else self._bind(index, scheduler.due(index))
            self._send(frame, slot, worker)

    def _bind(self, index: int, t_due: float) -> PlannedFrame:
        """Frame ``index``'s latent and networks, as of now: replayed events up to its time,
        a scene's glide, its audio features, the set's move, its beat."""
        changed = bool(self.replay) and self.replay[0].time <= index / self.fps
        while self.replay and self.replay[0].time <= index / self.fps:
            self._apply(self.replay.pop(0), replayed=True)
        if self._glide(index) or changed:
            self._update_display(from_index=index)
        features = self.features_at(index, t_due)
        if (heard := self.instrument.song_heard(features, self.state.loop_song)) is not None:
            # The rehearsal audio moved on to the next song: the set follows (logged at
            # this frame's time, so a replay switches on the same frame).
            self._apply(ControlEvent(index / self.fps, "audio", "song", float(heard)))
        beat = self.beats.at(index, self._tempo(features))
        if self._follows_the_music(features):
            if (moved := on_the_music(beat, self._music_phase(index, features),
                                      features.tempo)) is not None:
                self.beats.sync(index / self.fps, moved)   # runs on from there
                beat = moved
            if abs(features.tempo - self.state.tempo) >= MUSIC_TEMPO_STEP:
                # The frames read the music's tempo itself; this is what the HUD and
                # state-out show (a logged event, as Link's and MIDI clock's tempo are).
                self._apply(ControlEvent(index / self.fps, "analysis", "tempo",
                                         round(features.tempo, 1)))
        # A frame bound after a later one (late binding) crosses no beat a second time.
        beats_crossed = max(0, math.floor(beat) - self._whole_beats)
        self._whole_beats += beats_crossed
        played = self.instrument.frame(index, features, self.state, beat, beats_crossed,
                                       on_enter=self._song_entered)
        if played.level != self._set_level:
            self._set_level = played.level
            self._update_display(from_index=index)
        if played.seek is not None and self.seek_audio is not None:
            self.seek_audio(played.seek)   # the rehearsal audio plays the song arriving
        if not self.summary.song_starts or self.summary.song_starts[-1][1] != played.song:
            self.summary.song_starts.append((index, played.song))
        latent = played.latent
        return PlannedFrame(
            index, latent.network, latent.crossfade_to, latent.crossfade, latent.ws,
            latent.gain, beat, played.song, latent.source_frame,
            features.time if features is not None else 0.0,
            features.published if features is not None else 0.0,
            self.flash_onsets and features is not None and features.onset_event)

    def _send(self, frame: PlannedFrame, slot: int, worker: int) -> None:
        """Stamp ``slot``'s header with the bound frame and send its job to ``worker``."""
        now, due = self.clock(), self.scheduler.due(frame.index)
        header = self.ring.header(slot)
        header["index"], header["network"] = frame.index, frame.network
        header["crossfade_to"], header["crossfade"] = frame.crossfade_to, frame.crossfade
        header["gain"], header["t_due"] = frame.gain, due
        header["t_dispatch"], header["t_audio"] = now, frame.t_audio
        header["t_features"] = frame.t_features
        header["t_synth_start"] = header["t_synth_end"] = 0.0
        header["beat"], header["song"] = frame.beat, frame.song
        header["source_frame"] = frame.source_frame
        self.workers.send(worker, FrameJob(
            frame.index, slot, frame.network, frame.crossfade_to, frame.crossfade, frame.ws,
            frame.gain, due, now, frame.t_audio, frame.flash))
        self.summary.frames_dispatched += 1

    def _song_entered(self, song: int) -> None:
        """A song's own gain and networks, from its first frame on (not logged: the song
        event that brought it is, and brings them again in a replay)."""
        for name, value in self.instrument.starting_values(song).items():
            self.state.apply(ControlEvent(self.show_time(), "set", name, value),
                             self.network_count)

    def _music_phase(self, index: int, features: FeatureFrame) -> float:
        """The music's beat phase when frame ``index`` is due: its hop's phase run on at its
        tempo (live, the newest hop heard may be older than the frame; a render reads the
        file at the frame's own time)."""
        ahead = self.scheduler.due(index) - features.time if self.realtime else 0.0
        return features.beat_phase + ahead * features.tempo / 60.0

    def _follows_the_music(self, features: FeatureFrame | None) -> bool:
        return self.state.tempo_source == ANALYSIS and features is not None and features.tempo > 0

    def _tempo(self, features: FeatureFrame | None) -> float:
        """The tempo frames move at: the music's estimate when the show follows analysis
        (and has one; its beats also keep the music's phase), else the show's tempo (tap, or
        Link and MIDI clock's events)."""
        return features.tempo if self._follows_the_music(features) else self.state.tempo

    def _update_display(self, from_index: int | None = None) -> None:
        """Tell the compositor what changed; by default it belongs to the next frame."""
        now = self.clock()
        hud_lines = self._last_display.hud_lines if self._last_display else ()
        if (self.state.hud or self.hud_always) and now - self._last_hud >= HUD_REFRESH_S:
            self._last_hud = now
            hud_lines = self._hud_lines()
        look = PerformedLook.of(self.state)
        look = look._replace(master=look.master * self._set_level)
        display = DisplayState(self.state.blackout, self.state.hud, hud_lines,
                               self.scheduler.next_index if from_index is None else from_index,
                               look, PerformedLayers.of(self.state))
        if self._last_display is None or \
                display._replace(from_index=0) != self._last_display._replace(from_index=0):
            self.workers.compositor_inbox.put(display)
            self._last_display = display
        if self.controls is not None:
            self.controls.feedback(self.state)
            if self.showbox is not None and now - self._last_status >= HUD_REFRESH_S:
                self._last_status = now   # telemetry changes twice a second at most
                self.controls.send_status(self.showbox.osc_messages())

    def _hud_lines(self) -> tuple[str, ...]:
        """What only the conductor knows; the compositor adds its own frame figures."""
        ready = self.workers.ready()
        speeds = " ".join(f"{self.scheduler.estimate(w) * 1000:.0f}" for w in sorted(ready))
        lines = ("   ".join(hud_values(self.state, self.network_count)),
                 f"skipped {self.scheduler.skipped}   workers {len(ready)} (ms: {speeds})"
                 + (f"   thinned {self.scheduler.thinned}" if self.scheduler.thinned else ""))
        if self.showbox is not None:
            lines += tuple(self.showbox.hud_lines(self.fps))
        if self.instrument.size > 1:
            lines += (self.instrument.hud_line(self.scheduler.next_index),)
        if self._warning is not None and self.clock() - self._warning[0] < HUD_WARNING_S:
            lines += (warning(f"WARNING {self._warning[1]}"),)
        return lines


def hud_values(state: ShowState, network_count: int) -> list[str]:
    """Every parameter with a HUD label: the networks always, other values only away from
    their default (a surface at rest is noise), bools by their label while on, choices by
    their name."""
    values = []
    for declared in PARAMETERS:
        value = getattr(state, declared.name)
        if not declared.hud or (declared.kind == "bool" and not value):
            continue
        if declared.kind != "network" and value == declared.default:
            continue
        if declared.kind == "bool":
            values.append(declared.hud)
        elif declared.kind == "network":   # 1-based, as the keys pick them
            values.append(f"{declared.hud} {value + 1}/{network_count}")
        elif declared.kind == "choice":
            values.append(f"{declared.hud} {declared.label(value)}")
        else:
            values.append(f"{declared.hud} {value:.3g}")
    return values
