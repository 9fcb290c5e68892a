"""The compositor process: frames from shared memory to the screen and the recording.

The conductor spawns :func:`compositor_main` with a :class:`CompositorSpec` and two queues.
In order, the process

1. attaches the frame ring, opens OpenGL (a glfw window, or headless EGL) and reports
   ``Status("compositor", "ready", ...)`` (or ``"error"`` with a one-line reason, and returns);
2. waits for ``ShowStart(t0, frames)``: frame ``k`` is due at monotonic time ``t0 + k / fps``;
3. takes ``FrameDone`` (any order), ``DisplayState``, a new ``OutputConfig`` (placement and
   look, live) and ``Stop`` from its inbox, shows frames through the reorder buffer
   (:mod:`live.compositor.reorder`) and hands every slot back with ``SlotFree`` as soon as
   the pixels are uploaded or the frame is dropped;
4. live mode: one output frame per show period (headless: paced by the clock; in a window:
   redrawn when something changes, presented with vsync), the recording getting exactly one
   frame per period (a compositor behind by several periods chooses a frame for the current
   one only: the missed periods' frames are superseded, never uploaded); render mode: every frame in order, no drops, no pacing;
   with ``[output] preview`` a live window show also draws every picture into the
   performer's small preview window, HUD always on there (closing it ends only the preview);
5. at ``frames`` or ``Stop`` (or SIGTERM), finalises the mp4 and reports
   ``Status("compositor", "finished", the parts it recorded, comma-separated, or "")``.

A compositor may die mid-show (a lost GL context, a driver fault, a kill): the supervisor
starts another with ``restarted=True``, which takes the show over at the current period
(never showing a frame older than that, so the picture never goes backwards) and records
into the next part of the recording (``show.part2.mp4``, ...; see
:class:`~live.compositor.recorder.PartLedger`). An ffmpeg encoder that dies ends only its
part: what it encoded is finalised with its audio, a ``warning`` Status says so, and a
headless compositor (whose only output is the recording) starts the next part.

Keys pressed in either window go to the conductor as ``Intent``s ("gain one step up",
"toggle freeze"), which it resolves against the show state: the compositor keeps no copy of
that state, it is told what to draw (``DisplayState``). Esc asks for a confirmation before
``quit``. Every shown frame can be logged as a JSON line: its index,
every field of its slot header, ``t_shown`` (its pixels uploaded), ``t_swapped`` (the first
swap of the stage output showing it: the window, or headless the recording; null for a frame
replaced before any swap), ``mean`` (the mean of its RGB pixels, so a black frame is easy
to spot), ``flash`` (the strobe's flash drawn on it, 0 = none) and, when it was recorded,
``resample`` (``"cpu"`` or ``"gl"``: where it was resampled to the output size, see
``[output] cpu_resample``). The HUD sums up the frames' budgets
(``contracts.frames.frame_budget``).
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import queue
import signal
import threading
import time
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import moderngl
import numpy as np

from live.compositor.config import OutputConfig
from live.compositor.context import headless_context, offscreen_target, window_context
from live.compositor.cpu_resample import resamples_on_cpu
from live.compositor.keys import KeyboardControl
from live.compositor.layers import EyeDrawing
from live.compositor.look import Fade, Look, strobe_flash, trail_keep
from live.compositor.readback import FrameReadback
from live.compositor.recorder import (RENDER_KEYFRAME_SECONDS, Mp4Recorder, PartLedger,
                                      RecordingError, audio_course, part_path)
from live.compositor.renderer import FrameRenderer, Overlay
from live.compositor.reorder import ReorderBuffer
from live.compositor.shaders import ShaderError
from live.compositor.window import GlfwFunctions, OutputWindow, PreviewWindow, WindowError
from live.contracts.state import Intent
from live.contracts.frames import SLOT_HEADER, FrameRing, frame_budget
from live.contracts.errors import LiveError
from live.contracts.lifecycle import child_process
from live.contracts.messages import (AudioJump, DisplayState, FrameDone, ShowStart, SlotFree,
                                    Status, Stop)
from live.contracts.video import VideoRing
from live.overlay.config import OverlaysConfig
from live.overlay.detector import EyeDetector, EyeResult, Rule, SongSource
from live.overlay.hud import HudStats, render_text, warning
from live.overlay.sources import EyeSource, SourceEyes
from live.overlay.tracks import LiveTrack, OfflineTracks
from live.video.sources import SourceVideo, VideoError, VideoFile, cover

if TYPE_CHECKING:
    from live.compositor.ndi import NdiSource

SOURCE = "compositor"
POLL_SECONDS = 0.05          # longest wait between checks for Stop / SIGTERM / window events
HUD_REFRESH_SECONDS = 0.25   # the HUD text is re-rasterised at most this often
HUD_POSITION = (16, 16)
ENCODER_RESTARTS_PER_MINUTE = 5   # an encoder dying faster than this is broken: give up
# Every slot header field goes into the frame log (padding aside), so fields the engine adds
# later are logged without a change here.
HEADER_FIELDS = tuple(name for name in SLOT_HEADER.names if not name.startswith("_")
                      and name != "index")


@dataclass
class CompositorSpec:
    """Everything the compositor process needs; picklable, for the ``spawn`` start method.

    ``mode`` is ``"live"`` (paced by the show clock, late frames dropped) or ``"render"``
    (every frame in order, offline). ``audio_offset`` is the position in ``audio_path``, in
    seconds, that frame 0 corresponds to; the audio loops if shorter than the video.
    ``frame_log`` gets one JSON line per shown frame. ``record_path`` is the recording's
    first part; this compositor records into part ``record_part`` and on, noting each in
    ``parts`` (shared with the supervisor). ``restarted``: a compositor taking over a show
    already running from one that died. The video layer comes from ``video_ring`` live and
    from ``video_file`` in a render (so that frame k always has the file's frame at k / fps).
    ``eyes``: draw GANce's eye overlays; song k's frames from ``eyes[k]`` (its projection's
    source frames, its target images or the video it was made from), none where it is None.
    ``ndi_config_dir``: the folder of NDI settings (``NDI_CONFIG_DIR``) the NDI sources use.
    """

    output: OutputConfig
    ring_name: str
    fps: int
    headless: bool = True
    mode: str = "live"
    record_path: str | None = None
    audio_path: str | None = None
    audio_offset: float = 0.0
    audio_loops: bool = True          # the audio file starts again at its end, else silence
    frame_log: str | None = None
    max_latency_frames: int = 3
    keyboard: bool = True
    record_part: int = 1
    parts: PartLedger | None = None
    restarted: bool = False
    video_ring: str | None = None   # live: the video process's ring (the layer under frames)
    video_file: str | None = None   # render: the [video] file, read here frame by frame
    eyes: list[EyeSource | None] | None = None   # per song: the eye overlays' source
    overlays: OverlaysConfig | None = None
    ndi_config_dir: str | None = None


@dataclass
class _Screen:
    """A window the show is drawn into, and what was last drawn there.

    The output window shows the HUD while the show's HUD is on; the performer's preview
    (``always_hud``) shows it all the time. Each has its own OpenGL context (sharing the
    frame texture), its own HUD picture and its own redraw bookkeeping.
    """

    window: OutputWindow | PreviewWindow
    ctx: moderngl.Context
    overlay: Overlay                  # the HUD and/or quit prompt drawn over the picture
    always_hud: bool
    dirty: bool = True                # needs a redraw
    size: tuple[int, int] = (0, 0)    # framebuffer size at the last draw
    overlay_shown: bool = False       # whether the last draw had the overlay
    hud_drawn_at: float = -math.inf   # when the overlay text was last rasterised


class CompositorError(LiveError, RuntimeError):
    """A problem of the compositor's inputs (mode, frame ring); one line for the performer."""


class _TerminationFlag:
    """Set from the SIGTERM handler; a plain attribute, safe to touch in a signal handler."""

    def __init__(self) -> None:
        self.raised = False

    def set(self, signum: int, frame: Any) -> None:
        self.raised = True


@child_process
def compositor_main(spec: CompositorSpec, inbox: Any, to_conductor: Any) -> None:
    """Process entry point (see the module docstring). Returns when the show is over."""
    termination = _TerminationFlag()
    signal.signal(signal.SIGTERM, termination.set)
    try:
        compositor = Compositor(spec, inbox, to_conductor, termination)
    except Exception as exc:  # every start-up problem becomes one line for the performer
        to_conductor.put(Status(SOURCE, "error", _one_line(exc)))
        return
    to_conductor.put(Status(SOURCE, "ready", compositor.description))
    failure = None
    try:
        compositor.run()
    except Exception as exc:
        failure = _one_line(exc)
    finally:
        status, detail = compositor.close()
    if failure:
        status, detail = "error", failure
    to_conductor.put(Status(SOURCE, status, detail))


def _one_line(exc: BaseException) -> str:
    """An exception as one line; our own errors are already worded for the performer."""
    text = " ".join(str(exc).split())
    if isinstance(exc, (ShaderError, WindowError, RecordingError, CompositorError,
                        VideoError)) and text:
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__



class Compositor:
    """One show's compositor state: GL, reorder buffer, recording, log, HUD and keys."""

    def __init__(self, spec: CompositorSpec, inbox: Any, to_conductor: Any,
                 termination: _TerminationFlag) -> None:
        if spec.mode not in ("live", "render"):
            raise CompositorError(f"compositor mode {spec.mode!r}: expected 'live' or 'render'")
        self.spec, self.inbox, self.to_conductor = spec, inbox, to_conductor
        self.termination = termination
        self.look = Look.from_output(spec.output)
        self.reorder = ReorderBuffer(spec.max_latency_frames, ordered=spec.mode == "render")
        self.fade = Fade()
        self.display = DisplayState(blackout=False, hud=spec.output.hud, hud_lines=())
        self.display_pending: list[DisplayState] = []   # render: waiting for their frame
        self.beat = 0.0               # the shown frame's beat position (its slot header's)
        self.stats = HudStats()
        self.unswapped: dict | None = None   # the newest frame's log record, until a swap shows it
        self.t0: float | None = None
        self.frames: int | None = None
        self.audio_jumps: list[AudioJump] = []   # the recording's audio follows them
        self.first = 0                # a render's first frame (a shard's start)
        self.stop_reason: str | None = None
        self.periods_out = 0          # output periods covered so far (= recorded frames)
        self.picture_dirty = True     # the recorded picture changed since it was last read
        self._last_recorded: bytes | None = None
        self.screens: list[_Screen] = []      # the output window, then the preview if open
        self.preview: _Screen | None = None
        self.window = self.recorder = self.frame_log = self.renderer = None
        self.parts = spec.parts or PartLedger(multiprocessing.get_context())
        self.part = self.part_start = 0   # the part being recorded, from this output period
        self.parts_written: dict[int, str] = {}   # part number -> its finished file
        self._finalisers: list[threading.Thread] = []   # parts whose encoder died, being muxed
        self._encoder_deaths: list[float] = []   # when (monotonic)
        self.ctx = self.ring = self.record_target = self.readback = None
        self.ndi: NdiSource | None = None          # the output as an NDI source
        self.ndi_frame: NdiSource | None = None    # each network frame as an NDI source
        self.video: VideoRing | None = None
        self.video_file: VideoFile | None = None
        self._video_sequence = -1     # the video picture last uploaded
        self.eye_detector: EyeDetector | None = None
        self.source_videos: list[SourceVideo] = []   # the songs' eye overlay sources opened
        self.eye_track: LiveTrack | None = None
        self.eye_drawing: EyeDrawing | None = None   # where the last eye region goes
        try:
            self._open(spec)
        except BaseException:
            self.close()
            raise
        self.keyboard = KeyboardControl() if self.window and spec.keyboard else None

    def _open(self, spec: CompositorSpec) -> None:
        try:
            self.ring = FrameRing.attach(spec.ring_name)
        except FileNotFoundError:
            raise CompositorError(f"frame ring '{spec.ring_name}' not found in shared memory "
                               f"(the conductor creates it before spawning the compositor)") from None
        width, height = spec.output.width, spec.output.height
        if spec.headless:
            self.ctx = headless_context()
            where = "headless EGL"
        else:
            self.window = OutputWindow(spec.output)
            self.ctx = window_context(GlfwFunctions())
            width, height = self.window.framebuffer_size
            where = self.window.where
            for line in self.window.landing_report(spec.output.monitor):
                self.to_conductor.put(Status(SOURCE, "warning", line))
        self.renderer = FrameRenderer(self.ctx)
        self._choose_resampling(spec.output)
        if spec.video_ring and spec.mode == "live":
            self.video = VideoRing.attach(spec.video_ring)
        elif spec.video_file and spec.mode == "render":
            self.video_file = VideoFile(spec.video_file)
        if spec.eyes and any(spec.eyes):
            # The detector opens each song's source as its first frame is compared.
            self.eye_detector = EyeDetector(self._open_song_eyes, spec.overlays.margin)
            self.eye_track = LiveTrack(1, 0.0)   # length and fade: from the display, each frame
        if self.window is not None:
            self.screens.append(_Screen(self.window, self.ctx, Overlay(self.ctx), always_hud=False))
            if spec.output.preview and spec.mode == "live":
                self._open_preview(spec.output)
        ndi = spec.output.ndi if spec.mode == "live" else None
        if spec.record_path or (ndi and ndi.enabled):
            self.record_target = offscreen_target(self.ctx, spec.output.width, spec.output.height)
            self.readback = FrameReadback(self.ctx, spec.output.width, spec.output.height)
        if spec.record_path:
            self._open_part(spec.record_part, first_period=0)
        if ndi and ndi.sends:
            if spec.ndi_config_dir:   # NDI reads its settings once, as its runtime loads
                os.environ["NDI_CONFIG_DIR"] = spec.ndi_config_dir
            from live.compositor.ndi import NdiSource   # NDI's runtime loads only when used
        if ndi and ndi.enabled:
            self.ndi = NdiSource(ndi.name, spec.output.width, spec.output.height, spec.fps)
        if ndi and ndi.frame:
            self.ndi_frame = NdiSource(f"{ndi.name} frame", self.ring.width, self.ring.height,
                                       spec.fps)
        if spec.frame_log:
            self.frame_log = self._open_frame_log(spec.frame_log, append=spec.restarted)
        self.description = (f"{where} {width}x{height}, {self.ctx.info['GL_RENDERER']}, "
                            f"{spec.mode} at {spec.fps} fps"
                            + (", resampling on the CPU" if self.renderer.cpu_resample else "")
                            + (f", recording {self.recorder.path}" if self.recorder else "")
                            + "".join(f", NDI '{source.name}'" for source in
                                      (self.ndi, self.ndi_frame) if source is not None)
                            + (f", preview {'x'.join(map(str, spec.output.preview_size))} on "
                               f"'{self.preview.window.monitor['name']}'" if self.preview else ""))

    def _choose_resampling(self, output: OutputConfig) -> None:
        """Renders resample on the CPU where ``[output] cpu_resample`` says so (live shows
        in the shader: a window's frames must not wait for the CPU)."""
        self.renderer.cpu_resample = self.spec.mode == "render" and resamples_on_cpu(
            output.cpu_resample, self.ctx.info["GL_RENDERER"])

    def _open_song_eyes(self, song: int) -> SongSource | None:
        """Song ``song``'s eye overlay source (None: the song plays no projection): its
        source frames' stored eyes and their reader. Called on the thread comparing the
        song's first frame (live the detector's, never the output loop)."""
        from live.latents.projection import read_attributes, read_target_image, source_fit

        source = self.spec.eyes[song] if 0 <= song < len(self.spec.eyes) else None
        if source is None:
            return None
        eyes = SourceEyes.load(source.projection, video=source.video)   # the show checked them
        if source.video is None:
            return SongSource(eyes, partial(read_target_image, source.projection))
        attributes = read_attributes(source.projection)
        video = SourceVideo(source.video, attributes["projection_fps"], source_fit(attributes))
        self.source_videos.append(video)
        return SongSource(eyes, video.frame)

    def _open_part(self, number: int, first_period: int) -> None:
        """Start recording part ``number``, whose first frame covers output period
        ``first_period``."""
        self.parts.open(number, self._audio_start(first_period))
        self.part, self.part_start = number, first_period
        self.recorder = Mp4Recorder(part_path(self.spec.record_path, number),
                                    self.spec.output.width, self.spec.output.height,
                                    self.spec.fps, crf=self.spec.output.record_crf,
                                    preset=self.spec.output.record_preset,
                                    keyframe_every=self.spec.fps * RENDER_KEYFRAME_SECONDS
                                    if self.spec.mode == "render" else None)
        self.parts.set_encoder(number, self.recorder.encoder_pid)

    def _audio_start(self, period: int) -> float:
        """Where in the audio file output period ``period`` falls."""
        return self._audio_course(period)[0]

    def _audio_course(self, period: int) -> tuple[float, list[tuple[float, float]]]:
        """The audio of a part from output period ``period``: where it starts in the file,
        and the jumps after that (:func:`~live.compositor.recorder.audio_course`)."""
        t0 = self.t0 or 0.0   # before ShowStart nothing has jumped yet
        return audio_course(t0 + period / self.spec.fps, t0, self.spec.audio_offset,
                            self.audio_jumps)

    @staticmethod
    def _open_frame_log(path: str, append: bool):
        """The frame log; a restarted compositor goes on with its predecessor's, on a line
        of its own even if that one died mid-line."""
        stream = open(path, "a" if append else "w", encoding="utf-8", buffering=1)
        if append and stream.tell() > 0:
            with open(path, "rb") as existing:
                existing.seek(-1, 2)
                if existing.read(1) != b"\n":
                    stream.write("\n")
        return stream

    def _open_preview(self, output: OutputConfig) -> None:
        """Open the performer's preview; its own context shares the output window's objects."""
        window = self.window.open_preview(output)
        with window.current():
            ctx = window_context(GlfwFunctions())
            self.renderer.add_context(ctx)
        self.preview = _Screen(window, ctx, Overlay(self.ctx), always_hud=True)
        self.screens.append(self.preview)

    def _close_preview(self) -> None:
        """Close the preview alone (its close button, or the end of the show)."""
        preview, self.preview = self.preview, None
        self.screens.remove(preview)
        with preview.window.current():
            self.renderer.forget_context(preview.ctx)
        preview.overlay.release()
        preview.window.close()

    # -- messages and window events -------------------------------------------------------

    @property
    def stopping(self) -> bool:
        return self.stop_reason is not None or self.termination.raised

    def pump(self, timeout: float) -> None:
        """Handle inbox messages, waiting up to ``timeout`` seconds for the first one."""
        try:
            message = self.inbox.get(timeout=max(0.0, min(timeout, POLL_SECONDS)))
        except queue.Empty:
            message = None
        while message is not None:
            self._handle(message)
            try:
                message = self.inbox.get_nowait()
            except queue.Empty:
                message = None
        if self.window is not None:
            self._window_events()

    def _handle(self, message: Any) -> None:
        if isinstance(message, FrameDone):
            self.stats.synth.tick(time.monotonic())
            if not message.drawn:  # NaN/inf from the network: the last picture stays up
                self._free(message.slot, message.index, shown=False)
                return
            # Live, detection starts as a frame arrives; a render compares each frame itself
            # as it draws it (the thread would only repeat that work, reading the same files).
            if self.eye_detector is not None and self.display.layers.eyes \
                    and self.spec.mode != "render":
                header = self.ring.header(message.slot)
                self.eye_detector.submit(message.index, self.ring.pixels(message.slot),
                                         int(header["song"]), int(header["source_frame"]))
            for index, slot in self.reorder.arrive(message.index, message.slot):
                self._free(slot, index, shown=False)
        elif isinstance(message, DisplayState):
            if self.spec.mode == "render":   # from its own frame on, as the replay had it
                self.display_pending.append(message)
            else:
                self._set_display(message)
        elif isinstance(message, ShowStart):
            self.t0, self.frames, self.first = message.t0, message.frames, message.first
            if self.video is not None:   # a video file plays on the show's clock
                self.video.set_t0(message.t0)
            if message.audio_offset is not None:
                self.spec.audio_offset = message.audio_offset
        elif isinstance(message, AudioJump):
            self.audio_jumps.append(message)
            if self.recorder is not None:   # (a jump heard before the part began moves it)
                self.parts.set_audio_start(self.part, self._audio_start(self.part_start))
        elif isinstance(message, OutputConfig):
            self.look = Look.from_output(message)
            self._choose_resampling(message)
            self._picture_changed()
        elif isinstance(message, Stop):
            self.stop_reason = message.reason

    def _window_events(self) -> None:
        now = time.monotonic()
        for key in self.window.keys():
            if self.keyboard is not None:
                for name, action, value in self.keyboard.press(key, now):
                    self._send_intent(name, action, value, now)
            self._screens_changed()      # the quit prompt may have appeared or gone
        if self.preview is not None and self.preview.window.close_requested:
            self._close_preview()
        if self.window.close_requested:
            self._send_intent("quit", "fire", 1.0, now)
            self.stop_reason = "window closed"

    def _send_intent(self, name: str, action: str, value: float, now: float) -> None:
        show_time = now - self.t0 if self.t0 is not None else 0.0
        self.to_conductor.put(Intent(show_time, "keyboard", name, action, value))

    def _set_display(self, display: DisplayState) -> None:
        trails_start = display.look.feedback > 0.0 >= self.display.look.feedback
        self.display = display
        if trails_start:
            # The trails start from the picture on screen now. Left to the next period, they
            # would start from that period's frame: with late binding a picture change sent
            # just after the trails often lands there, and nothing of the old picture trails.
            self._advance_trails()
        self._picture_changed()

    def _free(self, slot: int, index: int, shown: bool) -> None:
        if not shown:
            self.stats.dropped += 1
        self.to_conductor.put(SlotFree(slot, index, shown, time.monotonic()))

    # -- the show ---------------------------------------------------------------------------

    def run(self) -> None:
        """Wait for ShowStart, then run the live or render loop until the show is over."""
        while self.t0 is None and not self.stopping:
            self.pump(POLL_SECONDS)
            self._refresh_screens()
        if self.stopping:
            return
        first_period = self._first_period()
        self.periods_out = self.part_start = first_period
        if self.recorder is not None:   # the show's audio offset came with ShowStart
            self.parts.set_audio_start(self.part, self._audio_start(first_period))
        if self.spec.mode == "render":
            self._run_render()
        else:
            self._run_live(first_period)

    def _first_period(self) -> int:
        """The first output period this compositor covers: 0, or for one taking over a show
        already running, the current period. Everything its predecessor showed was due
        before that, so showing nothing older never goes backwards."""
        if self.spec.mode == "render":
            self.reorder.last_shown = self.first - 1
            return self.first
        if not self.spec.restarted:
            return 0
        first = max(0, math.floor((time.monotonic() - self.t0) * self.spec.fps))
        self.reorder.last_shown = first - 1
        return first

    def _run_live(self, first_period: int) -> None:
        period_seconds = 1.0 / self.spec.fps
        next_period = first_period
        while not self.stopping and not self._complete():
            self.pump(self.t0 + next_period * period_seconds - time.monotonic())
            current = math.floor((time.monotonic() - self.t0) * self.spec.fps)
            while next_period <= current and not self.stopping and not self._complete():
                self._live_period(next_period, choose=next_period == current)
                next_period += 1
            self._refresh_screens()

    def _live_period(self, period: int, choose: bool = True) -> None:
        """Output ``period``; ``choose`` the frame it shows (False for a period this
        compositor fell behind on: the current period's frame supersedes its frame, and
        uploading it anyway is what would keep the compositor behind)."""
        self._take_video()
        if choose:
            decision = self.reorder.at_period(period)
            for index, slot in decision.drop:
                self._free(slot, index, shown=False)
            if decision.show is not None:
                self._show(*decision.show)
        self._advance_output(1.0 / self.spec.fps)
        if self.renderer.has_frame:
            self._advance_trails()
            # Periods before the first frame are covered by it (nothing black is recorded),
            # so recording frame n always matches show time n / fps and the audio.
            wanted = period + 1 if self.frames is None else min(period + 1, self.frames)
            self._output_periods(wanted - self.periods_out)

    def _run_render(self) -> None:
        tracks: OfflineTracks | None = None
        while not self.stopping and not self._complete():
            decision = self.reorder.next_in_order()
            if decision.show is None:
                self.pump(POLL_SECONDS)
                continue
            index, slot = decision.show
            if self.eye_detector is None:
                self._render_frame(index, self.ring.pixels(slot), self.ring.header(slot))
                self._free(slot, index, shown=True)
                continue
            # GANce's offline rule: a frame whose run may still reach track_length waits
            # (a copy: its slot goes back at once, so the workers never wait for it).
            pixels, header = self.ring.pixels(slot).copy(), self.ring.header(slot).copy()
            self._free(slot, index, shown=True)
            result = self.eye_detector.compute(index, pixels, int(header["song"]),
                                               int(header["source_frame"]))
            self._report_eye_problems()
            if tracks is None:
                tracks = OfflineTracks(round(self.display.layers.eye_track))
            passed = result.passed and self.display.layers.eyes
            decided = tracks.push((index, pixels, header, result), passed)
            if self.frames is not None and index == self.frames - 1:
                decided += tracks.finish()
            for (index, pixels, header, result), drawn in decided:
                self._set_eyes(result, pixels.shape[1::-1], 1.0 if drawn else 0.0)
                self._render_frame(index, pixels, header, eyes=1.0 if drawn else 0.0)

    def _render_frame(self, index: int, pixels: np.ndarray, header: np.ndarray,
                      eyes: float | None = None) -> None:
        """Frame ``index`` of a render: its display state and video frame, then shown and
        recorded."""
        while self.display_pending and self.display_pending[0].from_index <= index:
            self._set_display(self.display_pending.pop(0))
        if self.video_file is not None:
            self.renderer.layers.upload_video(cover(
                self.video_file.at(index / self.spec.fps)[1],
                self.spec.output.width, self.spec.output.height))
        self._present(index, pixels, header, eyes)
        self._advance_output(1.0 / self.spec.fps)
        self._advance_trails()
        self._output_periods(1)
        self._refresh_screens()

    def _take_video(self) -> None:
        """Upload the video layer's newest picture if it changed. One the video process
        overtook while it was copied is not counted: the next period takes the newer one."""
        newest = self.video.newest() if self.video is not None else None
        if newest is None or newest[0] == self._video_sequence:
            return
        sequence, slot = newest
        self.renderer.layers.upload_video(self.video.pixels(slot))
        if self.video.still(sequence, slot):
            self._video_sequence = sequence
        self._picture_changed()

    def _complete(self) -> bool:
        return self.frames is not None and self.periods_out >= self.frames

    def _show(self, index: int, slot: int) -> None:
        """Show frame ``index`` from its slot (live), live eye overlays included."""
        pixels = self.ring.pixels(slot)
        eyes = self._eyes_for(index, pixels.shape[1::-1]) if self.eye_detector else None
        self._present(index, pixels, self.ring.header(slot), eyes)
        self._free(slot, index, shown=True)

    def _present(self, index: int, pixels: np.ndarray, header: np.ndarray,
                 eyes: float | None) -> None:
        """Upload frame ``index`` and log it (with its eye overlay's opacity, if any)."""
        self.renderer.upload(pixels)
        if self.ndi_frame is not None:   # a copy: the slot goes back to the workers below
            self.ndi_frame.offer(pixels.tobytes())
        record = {"index": index, **{name: header[name].item() for name in HEADER_FIELDS}}
        self.beat = record["beat"]
        if self.frame_log is not None:
            record["mean"] = float(pixels[:, :, :3].mean())
            record["flash"] = self._flash()
        if eyes is not None:
            record["eyes"] = eyes
        now = time.monotonic()
        record["t_shown"] = now
        self.stats.display.tick(now)
        self.stats.network, self.stats.alpha = record["network"], record["gain"]
        if self.unswapped is not None:   # replaced before any swap showed it
            self._log_shown(self.unswapped, t_swapped=None)
        self.unswapped = record
        self._picture_changed()

    def _swapped(self) -> None:
        """The stage output (the window, or headless the recording) now shows the newest
        frame: its budget is complete."""
        if self.unswapped is not None:
            self._log_shown(self.unswapped, t_swapped=time.monotonic())
            self.unswapped = None

    def _log_shown(self, record: dict, t_swapped: float | None) -> None:
        record["t_swapped"] = t_swapped
        if (budget := frame_budget(record)) is not None:
            self.stats.frame_budget(budget)
        if self.frame_log is not None:
            self.frame_log.write(json.dumps(record) + "\n")

    def _eyes_for(self, index: int, frame_size: tuple[int, int]) -> float:
        """Frame ``index``'s eye overlay, from its detection result if that is ready (else
        the track holds); returns the overlay's opacity on this frame."""
        layers = self.display.layers
        self.eye_detector.rule = Rule(layers.eye_hash, layers.eye_distance)
        self.eye_track.track_length = round(layers.eye_track)
        self.eye_track.fade_frames = layers.eye_fade * self.spec.fps
        result = self.eye_detector.take(index)
        self._report_eye_problems()
        passed = (result.passed if result is not None else None) if layers.eyes else False
        opacity = self.eye_track.update(passed)
        self._set_eyes(result, frame_size, opacity)
        return opacity

    def _report_eye_problems(self) -> None:
        """A song whose eye overlay source failed to open plays on without eyes; say why."""
        for line in self.eye_detector.take_problems():
            self.to_conductor.put(Status(SOURCE, "warning", line))

    def _set_eyes(self, result: EyeResult | None, frame_size: tuple[int, int],
                  opacity: float) -> None:
        """Draw the eye overlay at ``opacity``: the region of ``result`` when it has one,
        else the last region (fading out where it was)."""
        region = None
        if result is not None and result.region is not None:
            region = result.region
            self.eye_drawing = EyeDrawing(tuple(result.region_box), frame_size, opacity,
                                          self.spec.overlays.feather)
        drawing = self.eye_drawing._replace(opacity=opacity) if self.eye_drawing else None
        self.renderer.layers.set_eyes(region, drawing)

    def _advance_output(self, seconds: float) -> None:
        """Show time moved on: the fade ramps and the HUD text may change."""
        if self.fade.moving(self.display.blackout):
            self.fade.advance(self.display.blackout, seconds, self.look.fade_time)
            self._picture_changed()

    def _flash(self) -> float:
        """The strobe's flash on the shown frame (from its beat: a render flashes on the same
        frames every time)."""
        return strobe_flash(self.beat, self.display.look)

    def _advance_trails(self) -> None:
        """One output period of feedback trails (the picture changes while they run); the
        first starts them from the frame shown."""
        look = self.display.look
        self.renderer.advance_trails(look.feedback, trail_keep(look.trail_time, self.spec.fps))
        if look.feedback > 0.0:
            self._picture_changed()

    def _picture_changed(self) -> None:
        self.picture_dirty = True
        self._screens_changed()

    def _screens_changed(self) -> None:
        for screen in self.screens:
            screen.dirty = True

    def _output_periods(self, count: int) -> None:
        """Cover ``count`` more output periods with the current picture (and record them).

        An unchanged picture is not drawn again: the last read just covers more periods.
        """
        if count <= 0:
            return
        if self.readback is not None:
            if self.ndi is not None:
                # The read queued a period ago was finished by the GPU long since: collected
                # now it costs no wait, and receivers are one period behind the window.
                self._deliver(self.readback.flush())
            if self.picture_dirty:
                # The HUD and the quit prompt are for the performer: the output is the show.
                self.renderer.draw(self.record_target, self.look, self.fade.level, flip_y=True,
                                   performed=self.display.look, flash=self._flash(),
                                   layers=self.display.layers)
                if self.unswapped is not None:
                    self.unswapped["resample"] = "cpu" if self.renderer.resampled_on_cpu else "gl"
                self._deliver(self.readback.submit(self.record_target, count))
                self.picture_dirty = False
            elif not self.readback.add_copies(count) and self.recorder is not None:
                self._write_recording([(self._last_recorded, count)])
        if self.window is None:   # headless, the recording is the stage
            self._swapped()
        self.periods_out += count

    def _deliver(self, frames: list[tuple[bytes, int]]) -> None:
        """Read-back output frames to NDI (once each) and the recording (each period)."""
        if self.ndi is not None:
            for frame, _ in frames:
                self.ndi.offer(frame)
        if self.recorder is not None:
            self._write_recording(frames)

    def _write_recording(self, frames: list[tuple[bytes, int]]) -> None:
        # A window must never wait for the encoder; headless, the recording is the product.
        for frame, copies in frames:
            if self.recorder.failure:
                self._encoder_died(self.recorder.failure)
                if self.recorder is None:
                    return
            self.recorder.write(frame, copies, wait=self.window is None)
            self._last_recorded = frame

    def _encoder_died(self, reason: str) -> None:
        """End the part whose encoder died: finalise what it encoded (off the output loop)
        and, headless, go on recording in the next part from the first period it missed."""
        dead, number = self.recorder, self.part
        self.recorder = None
        now = time.monotonic()
        self._encoder_deaths = [t for t in self._encoder_deaths if now - t < 60.0] + [now]
        if len(self._encoder_deaths) > ENCODER_RESTARTS_PER_MINUTE:
            raise RecordingError(f"the recording encoder keeps dying "
                                 f"({len(self._encoder_deaths)} times in a minute): {reason}")
        goes_on = self.window is None
        finaliser = threading.Thread(target=self._finalise_part,
                                     args=(dead, number, goes_on,
                                           *self._audio_course(self.part_start)),
                                     name=f"finalise-part{number}")
        finaliser.start()
        self._finalisers.append(finaliser)
        if goes_on:
            self._open_part(number + 1, self.part_start + dead.frames_written)
        elif self.ndi is None:
            self.readback.release()   # its queued frames have nowhere to go
            self.readback = None

    def _finalise_part(self, recorder: Mp4Recorder, number: int, goes_on: bool,
                       audio_start: float, jumps: list[tuple[float, float]]) -> None:
        reason = recorder.failure
        try:
            written = recorder.finish(self.spec.audio_path, audio_start, jumps,
                                      self.spec.audio_loops)
            self.parts_written[number] = str(written)
            outcome = f"{written} holds what was recorded until then"
        except RecordingError as exc:
            outcome = str(exc)
        then = (f"recording goes on in {part_path(self.spec.record_path, number + 1)}"
                if goes_on else "recording stopped")
        self.to_conductor.put(Status(SOURCE, "warning", f"the recording encoder died ({reason}); "
                                                        f"{outcome}; {then}"))

    def _refresh_screens(self) -> None:
        """Redraw each window where anything changed (frame, look, HUD text, size)."""
        now = time.monotonic()
        prompt = self.keyboard.prompt(now) if self.keyboard is not None else None
        for screen in self.screens:
            self._refresh(screen, now, prompt)

    def _refresh(self, screen: _Screen, now: float, prompt: str | None) -> None:
        shows_hud = self.display.hud or screen.always_hud
        wants_overlay = shows_hud or prompt is not None
        size = screen.window.framebuffer_size
        if (size != screen.size or wants_overlay != screen.overlay_shown
                or (wants_overlay and now - screen.hud_drawn_at >= HUD_REFRESH_SECONDS)):
            screen.dirty = True
        if not screen.dirty:
            return
        # Overlay textures belong to the output window's context: fill them before switching.
        overlays = self._overlays(screen, shows_hud, now, prompt) if wants_overlay else ()
        with screen.window.current():
            target = screen.ctx.screen
            target.viewport = (0, 0, *size)
            self.renderer.draw(target, self.look, self.fade.level, flip_y=False,
                               overlays=overlays, performed=self.display.look,
                               flash=self._flash(), layers=self.display.layers)
            screen.window.present()
        if screen.window is self.window:   # the stage (a preview is for the performer)
            self._swapped()
        screen.dirty = False
        screen.size, screen.overlay_shown = size, wants_overlay

    def _overlays(self, screen: _Screen, shows_hud: bool, now: float,
                  prompt: str | None) -> tuple[Overlay, ...]:
        """The HUD and/or the quit prompt, re-rasterised when their text may have changed."""
        if now - screen.hud_drawn_at >= HUD_REFRESH_SECONDS or prompt:
            # The conductor's lines are only kept up to date while the show's HUD is on.
            lines = list(self.display.hud_lines) if self.display.hud else []
            if shows_hud:
                lines += self.stats.lines(now)
                lines += [source.hud_line() for source in (self.ndi, self.ndi_frame)
                          if source is not None]
                if self.window.misplaced:
                    lines.append(warning(f"WARNING {self.window.misplaced}"))
            if prompt:
                lines.append(prompt)
            screen.overlay.set_image(render_text(lines), HUD_POSITION)
            screen.hud_drawn_at = now
        return (screen.overlay,)

    # -- the end ----------------------------------------------------------------------------

    def close(self) -> tuple[str, str]:
        """Free every slot still held, finalise the recording, release GL and the ring.

        Returns the final ``(status, detail)``: ``("finished", the parts recorded,
        comma-separated, or "")``, or ``("error", reason)`` when the recording could not be
        finalised.
        """
        status, detail = "finished", ""
        for index, slot in self.reorder.drain():
            self._free(slot, index, shown=False)
        if self.recorder is not None:
            try:
                self._write_recording(self.readback.flush())
            except Exception as exc:
                status, detail = "error", _one_line(exc)
        if self.recorder is not None:
            if reason := self.recorder.failure:
                self.to_conductor.put(Status(SOURCE, "warning", f"the recording encoder died "
                                                                f"({reason}) just before the end"))
            try:
                self.parts_written[self.part] = str(self.recorder.finish(
                    self.spec.audio_path, *self._audio_course(self.part_start),
                    self.spec.audio_loops))
            except Exception as exc:
                status, detail = "error", _one_line(exc)
            self.recorder = None
        for finaliser in self._finalisers:
            finaliser.join()
        if status == "finished":
            detail = ", ".join(path for _, path in sorted(self.parts_written.items()))
        if self.unswapped is not None:
            self._log_shown(self.unswapped, t_swapped=None)
        if self.frame_log is not None:
            self.frame_log.close()
            self.frame_log = None
        if self.readback is not None:
            self.readback.release()
        for source in (self.ndi, self.ndi_frame):
            if source is not None:
                source.close()
                self.to_conductor.put(Status(SOURCE, "report", source.summary()))
        self.ndi = self.ndi_frame = None
        if self.preview is not None:
            self._close_preview()
        for screen in self.screens:
            screen.overlay.release()
        self.screens = []
        if self.renderer is not None:
            self.renderer.release()
            self.renderer = None
        if self.window is not None:
            self.window.close()      # the window owns its context
            self.window = None
        elif self.ctx is not None:
            self.ctx.release()
        self.ctx = None
        if self.ring is not None:
            self.ring.close()
            self.ring = None
        if self.video is not None:
            self.video.close()
            self.video = None
        if self.video_file is not None:
            self.video_file.close()
            self.video_file = None
        if self.eye_detector is not None:
            self.eye_detector.close()
            self.eye_detector = None
        for video in self.source_videos:   # after the detector thread that reads them
            video.close()
        self.source_videos = []
        return status, detail
