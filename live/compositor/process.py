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
replaced before any swap) and ``mean`` (the mean of its RGB pixels, so a black frame is easy
to spot). The HUD sums up the frames' budgets (``contracts.frames.frame_budget``).
"""

from __future__ import annotations

import json
import math
import multiprocessing
import queue
import signal
import threading
import time
from dataclasses import dataclass
from typing import Any

import moderngl

from live.compositor.config import OutputConfig
from live.compositor.context import headless_context, offscreen_target, window_context
from live.compositor.keys import KeyboardControl
from live.compositor.look import Fade, Look
from live.compositor.readback import FrameReadback
from live.compositor.recorder import Mp4Recorder, PartLedger, RecordingError, part_path
from live.compositor.renderer import FrameRenderer, Overlay
from live.compositor.reorder import ReorderBuffer
from live.compositor.shaders import ShaderError
from live.compositor.window import OutputWindow, PreviewWindow, WindowError
from live.contracts.state import Intent
from live.contracts.frames import SLOT_HEADER, FrameRing, frame_budget
from live.contracts.errors import LiveError
from live.contracts.lifecycle import child_process
from live.contracts.messages import DisplayState, FrameDone, ShowStart, SlotFree, Status, Stop
from live.overlay.hud import HudStats, render_text
from live.telemetry.gpus import GpuThermometer

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
    already running from one that died.
    """

    output: OutputConfig
    ring_name: str
    fps: int
    headless: bool = True
    mode: str = "live"
    record_path: str | None = None
    audio_path: str | None = None
    audio_offset: float = 0.0
    frame_log: str | None = None
    max_latency_frames: int = 3
    keyboard: bool = True
    record_part: int = 1
    parts: PartLedger | None = None
    restarted: bool = False


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
    if isinstance(exc, (ShaderError, WindowError, RecordingError, CompositorError)) and text:
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
        self.stats = HudStats()
        self.unswapped: dict | None = None   # the newest frame's log record, until a swap shows it
        self.thermometer: GpuThermometer | None = None
        self.t0: float | None = None
        self.frames: int | None = None
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
            self.ctx = window_context()
            mode = "fullscreen" if spec.output.fullscreen else "window"
            width, height = self.window.framebuffer_size
            where = f"{mode} on '{self.window.monitor['name']}'"
        self.renderer = FrameRenderer(self.ctx)
        if self.window is not None:
            self.screens.append(_Screen(self.window, self.ctx, Overlay(self.ctx), always_hud=False))
            if spec.output.preview and spec.mode == "live":
                self._open_preview(spec.output)
        if spec.record_path:
            self.record_target = offscreen_target(self.ctx, spec.output.width, spec.output.height)
            self.readback = FrameReadback(self.ctx, spec.output.width, spec.output.height)
            self._open_part(spec.record_part, first_period=0)
        if spec.frame_log:
            self.frame_log = self._open_frame_log(spec.frame_log, append=spec.restarted)
        self.description = (f"{where} {width}x{height}, {self.ctx.info['GL_RENDERER']}, "
                            f"{spec.mode} at {spec.fps} fps"
                            + (f", recording {self.recorder.path}" if self.recorder else "")
                            + (f", preview {'x'.join(map(str, spec.output.preview_size))} on "
                               f"'{self.preview.window.monitor['name']}'" if self.preview else ""))

    def _open_part(self, number: int, first_period: int) -> None:
        """Start recording part ``number``, whose first frame covers output period
        ``first_period``."""
        self.parts.open(number, self._audio_start(first_period))
        self.part, self.part_start = number, first_period
        self.recorder = Mp4Recorder(part_path(self.spec.record_path, number),
                                    self.spec.output.width, self.spec.output.height,
                                    self.spec.fps, crf=self.spec.output.record_crf,
                                    preset=self.spec.output.record_preset)
        self.parts.set_encoder(number, self.recorder.encoder_pid)

    def _audio_start(self, period: int) -> float:
        """Where in the audio file output period ``period`` falls."""
        return self.spec.audio_offset + period / self.spec.fps

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
            ctx = window_context()
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
            for index, slot in self.reorder.arrive(message.index, message.slot):
                self._free(slot, index, shown=False)
        elif isinstance(message, DisplayState):
            if self.spec.mode == "render":   # from its own frame on, as the replay had it
                self.display_pending.append(message)
            else:
                self._set_display(message)
        elif isinstance(message, ShowStart):
            self.t0, self.frames = message.t0, message.frames
            if message.audio_offset is not None:
                self.spec.audio_offset = message.audio_offset
        elif isinstance(message, OutputConfig):
            self.look = Look.from_output(message)
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
        self.display = display
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
        if not self.spec.restarted or self.spec.mode == "render":
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
        if choose:
            decision = self.reorder.at_period(period)
            for index, slot in decision.drop:
                self._free(slot, index, shown=False)
            if decision.show is not None:
                self._show(*decision.show)
        self._advance_output(1.0 / self.spec.fps)
        if self.renderer.has_frame:
            # Periods before the first frame are covered by it (nothing black is recorded),
            # so recording frame n always matches show time n / fps and the audio.
            wanted = period + 1 if self.frames is None else min(period + 1, self.frames)
            self._output_periods(wanted - self.periods_out)

    def _run_render(self) -> None:
        while not self.stopping and not self._complete():
            decision = self.reorder.next_in_order()
            if decision.show is None:
                self.pump(POLL_SECONDS)
                continue
            while self.display_pending and \
                    self.display_pending[0].from_index <= decision.show[0]:
                self._set_display(self.display_pending.pop(0))
            self._show(*decision.show)
            self._advance_output(1.0 / self.spec.fps)
            self._output_periods(1)
            self._refresh_screens()

    def _complete(self) -> bool:
        return self.frames is not None and self.periods_out >= self.frames

    def _show(self, index: int, slot: int) -> None:
        pixels = self.ring.pixels(slot)
        header = self.ring.header(slot)
        self.renderer.upload(pixels)
        record = {"index": index, **{name: header[name].item() for name in HEADER_FIELDS}}
        if self.frame_log is not None:
            record["mean"] = float(pixels[:, :, :3].mean())
        now = time.monotonic()
        self._free(slot, index, shown=True)
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

    def _advance_output(self, seconds: float) -> None:
        """Show time moved on: the fade ramps and the HUD text may change."""
        if self.fade.moving(self.display.blackout):
            self.fade.advance(self.display.blackout, seconds, self.look.fade_time)
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
        if self.recorder is not None:
            if self.picture_dirty:
                # The HUD and the quit prompt are for the performer: the recording is the show.
                self.renderer.draw(self.record_target, self.look, self.fade.level, flip_y=True,
                                   performed=self.display.look)
                self._write_recording(self.readback.submit(self.record_target, count))
                self.picture_dirty = False
            elif not self.readback.add_copies(count):
                self._write_recording([(self._last_recorded, count)])
        if self.window is None:   # headless, the recording is the stage
            self._swapped()
        self.periods_out += count

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
        finaliser = threading.Thread(target=self._finalise_part, args=(dead, number, goes_on),
                                     name=f"finalise-part{number}")
        finaliser.start()
        self._finalisers.append(finaliser)
        if goes_on:
            self._open_part(number + 1, self.part_start + dead.frames_written)
        else:
            self.readback.release()   # its queued frames have nowhere to go
            self.readback = None

    def _finalise_part(self, recorder: Mp4Recorder, number: int, goes_on: bool) -> None:
        reason = recorder.failure
        try:
            written = recorder.finish(self.spec.audio_path, self.parts.audio_start(number))
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
                               overlays=overlays, performed=self.display.look)
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
                if self.thermometer is None:
                    self.thermometer = GpuThermometer()
                lines += self.stats.lines(now, self.thermometer.read())
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
                    self.spec.audio_path, self.parts.audio_start(self.part)))
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
        if self.thermometer is not None:
            self.thermometer.close()
            self.thermometer = None
        if self.readback is not None:
            self.readback.release()
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
        return status, detail
