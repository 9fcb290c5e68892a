"""Recording the output to an mp4 with ffmpeg, without holding up the display.

Frames (raw RGBA, top row first) go into a bounded queue; a writer thread feeds them to an
ffmpeg process encoding H.264 (libx264, yuv420p) into an MPEG transport stream beside the
target, under a hidden ``.partial`` name (:func:`stream_path`). That stream stays readable
even if everything is killed (every packet is flushed as it is encoded), and its 90 kHz clock
holds ``1/fps`` steps exactly for the usual rates (Matroska's whole milliseconds would skew
1/15 s steps, and a bare H.264 stream loses frames when copied). :func:`finalise_stream`
turns a stream into the final mp4: the video stream copied, the audio muxed from a file
(AAC), starting ``audio_offset`` seconds into it, looped if shorter than the video and cut
to the video's duration; written under a temporary name and renamed into place. When the
audio jumped during the part (a rehearsal seeking to a song), the audio muxed is the file as
it was heard: cut at each jump (:func:`audio_course`, :func:`heard_pieces`).

A show's recording can come in parts (``show.mp4``, ``show.part2.mp4``, ...: :func:`part_path`)
when an encoder or a whole compositor dies mid-show; the :class:`PartLedger` in shared memory
says which parts exist and where each starts in the audio, so whoever outlives the encoder
can finalise its stream.

ffmpeg runs in its own session so a Ctrl-C in the terminal reaches the supervisor, not the
encoder: the recording is finalised through the compositor on every exit path.
"""

from __future__ import annotations

import queue
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Sequence

import numpy as np
import soundfile

from live.contracts.errors import LiveError
from live.contracts.outputs import PARTIAL_SUFFIX, commit_output, partial_path, stray_partials

QUEUE_BYTES = 256 * 1024 * 1024   # at most this much waits for the encoder...
QUEUE_SECONDS = 0.5               # ...and at most this much show time, so finishing is quick
ENCODER_EXIT_SECONDS = 60.0
# A render's stream restarts (a closed GOP: an IDR frame, nothing referenced across it) every
# this many seconds of frames, so shards cut on whole seconds encode alone to the same frames.
RENDER_KEYFRAME_SECONDS = 1
# ... and is encoded by this many x264 threads on every machine: frame threads bound motion
# vectors by the rows other threads have finished, so their number changes the frames.
RENDER_ENCODER_THREADS = 8


class RecordingError(LiveError, RuntimeError):
    """The encoder failed or nothing could be recorded; the message is one line."""


def part_path(target: str | Path, number: int) -> Path:
    """The file of recording part ``number``: ``show.mp4``, then ``show.part2.mp4``, ..."""
    target = Path(target)
    return target if number == 1 else target.with_name(f"{target.stem}.part{number}{target.suffix}")


def stream_path(part: Path) -> Path:
    """Where a part's transport stream grows while it is encoded (hidden, clearly partial)."""
    return part.with_name(f".{part.name}.ts{PARTIAL_SUFFIX}")


class PartLedger:
    """A recording's parts, in shared memory so the record outlives the compositor.

    The compositor opens each part here before its encoder starts, then notes the encoder's
    pid and where in the audio file the part's first frame falls; when a compositor dies, the
    supervisor waits for its encoders (they outlive it, finishing the stream on end of input),
    finalises the streams of the parts it had opened and starts the next compositor on the
    next part. Only one compositor writes at a time (a new one starts after the old one
    died), so the array needs no lock.
    """

    MAX_PARTS = 999

    def __init__(self, ctx) -> None:
        # [0]: the newest part opened (0: none yet); [2n]: where part n starts in the audio
        # (seconds), [2n + 1]: its encoder's pid (0: not started yet)
        self._values = ctx.RawArray("d", 2 * (self.MAX_PARTS + 1))

    @property
    def newest(self) -> int:
        return int(self._values[0])

    def open(self, number: int, audio_start: float = 0.0) -> None:
        if number > self.MAX_PARTS:
            raise RecordingError(f"the recording is already in {self.MAX_PARTS} parts: the "
                                 f"encoder keeps dying, so recording stops here")
        self._values[2 * number], self._values[2 * number + 1] = audio_start, 0
        self._values[0] = number

    def set_audio_start(self, number: int, audio_start: float) -> None:
        self._values[2 * number] = audio_start

    def audio_start(self, number: int) -> float:
        return self._values[2 * number]

    def set_encoder(self, number: int, pid: int) -> None:
        self._values[2 * number + 1] = pid

    def encoder(self, number: int) -> int:
        return int(self._values[2 * number + 1])


class Mp4Recorder:
    """Encodes ``width x height`` RGBA frames at ``fps`` into ``path`` (see the module docs)."""

    def __init__(self, path: str | Path, width: int, height: int, fps: int, crf: int = 18,
                 preset: str = "veryfast", queue_frames: int | None = None,
                 keyframe_every: int | None = None) -> None:
        if width % 2 or height % 2:
            raise RecordingError(f"{path}: an H.264 mp4 needs an even width and height, "
                                 f"got {width}x{height}; set [output] width/height to even values")
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.width, self.height, self.fps = width, height, fps
        self.frames_written = 0
        self.video_path = stream_path(self.path)
        self._log = tempfile.TemporaryFile()
        self._encoder = subprocess.Popen(
            ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
             "-f", "rawvideo", "-pix_fmt", "rgba", "-s", f"{width}x{height}",
             "-framerate", str(fps), "-i", "-",
             "-c:v", "libx264", "-preset", preset, *rate_control(crf, keyframe_every),
             "-pix_fmt", "yuv420p", "-flush_packets", "1", "-f", "mpegts",
             str(self.video_path)],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self._log,
            start_new_session=True)
        if queue_frames is None:
            by_memory = QUEUE_BYTES // (width * height * 4)
            queue_frames = max(2, min(by_memory, round(fps * QUEUE_SECONDS)))
        # Items are [frame, copies, taken]; write() may still update one until it is taken.
        self._queue: queue.Queue[list | None] = queue.Queue(queue_frames)
        self._newest: list | None = None
        self._lock = threading.Lock()
        self._failure: str | None = None
        self._writer = threading.Thread(target=self._feed_encoder, name="mp4-writer", daemon=True)
        self._writer.start()

    @property
    def encoder_pid(self) -> int:
        return self._encoder.pid

    @property
    def failure(self) -> str | None:
        """Why the encoder stopped before :meth:`finish` (None while it runs)."""
        if self._failure is None and (code := self._encoder.poll()) is not None:
            self._failure = f"{self.path}: the ffmpeg encoder exited with status {code}: " \
                            f"{self._encoder_log()}"
        return self._failure

    def write(self, frame: bytes, copies: int = 1, wait: bool = True) -> None:
        """Queue one output frame (``width * height * 4`` bytes) covering ``copies`` periods.

        When the encoder has fallen a whole queue behind, ``wait=True`` blocks until it
        catches up (offline work: every frame matters), while ``wait=False`` (a live
        display) returns at once: this frame takes the place of the newest one still queued
        and covers its periods too. The recording skips a frame, keeps its exact length and
        stays in step with the screen, and the display is never held up.
        """
        if self._failure:
            raise RecordingError(self._failure)
        self.frames_written += copies
        if not wait:
            with self._lock:
                newest = self._newest
                if self._queue.full() and newest is not None and not newest[2]:
                    newest[0] = frame
                    newest[1] += copies
                    return
        item = [frame, copies, False]
        self._queue.put(item)
        self._newest = item

    def _feed_encoder(self) -> None:
        while (item := self._queue.get()) is not None:
            with self._lock:
                item[2] = True      # from now on write() leaves it alone
            if self._failure:
                continue    # keep draining so write() never blocks on a dead encoder
            try:
                for _ in range(item[1]):
                    self._encoder.stdin.write(item[0])
            except (BrokenPipeError, OSError) as exc:
                self._failure = f"{self.path}: the ffmpeg encoder stopped ({exc}): {self._encoder_log()}"

    def _encoder_log(self) -> str:
        self._log.seek(0)
        text = self._log.read().decode(errors="replace").strip()
        return " | ".join(text.splitlines()[-3:]) or "no message"

    def _close_encoder(self) -> None:
        self._queue.put(None)
        self._writer.join()
        try:
            self._encoder.stdin.close()
        except OSError:
            pass
        try:
            code = self._encoder.wait(ENCODER_EXIT_SECONDS)
        except subprocess.TimeoutExpired:
            self._encoder.kill()
            code = self._encoder.wait()
        if code != 0 and not self._failure:
            self._failure = f"{self.path}: ffmpeg encoder exited with status {code}: {self._encoder_log()}"

    def finish(self, audio_path: str | Path | None = None, audio_offset: float = 0.0,
               jumps: Sequence[tuple[float, float]] = (), loop: bool = True) -> Path:
        """Close the encoder and write the final mp4 (with audio when ``audio_path`` is given;
        ``jumps``, ``loop``: see :func:`finalise_stream`).

        After an encoder failure, the mp4 holds what it encoded before it stopped."""
        self._close_encoder()
        self._log.close()
        frames = None if self._failure else self.frames_written
        try:
            return finalise_stream(self.video_path, self.path, self.fps, audio_path,
                                   audio_offset, frames, jumps, loop)
        except RecordingError as exc:
            raise RecordingError(f"{exc} ({self._failure})" if self._failure else str(exc)) \
                from None


def rate_control(crf: int, keyframe_every: int | None) -> list[str]:
    """x264's rate control: constant quality (``crf``), or, with ``keyframe_every``, a
    constant quantizer (the same number), a closed GOP restarting every that many frames with
    no scene cuts, and a fixed thread count. Then no state crosses a keyframe, so frames
    ``[a, b)`` cut at keyframes encode alone, on any machine, to the same frames as within
    the whole stream (crf's rate control carries a running complexity across keyframes).

    >>> rate_control(18, None)
    ['-crf', '18']
    >>> rate_control(18, 30)  # doctest: +NORMALIZE_WHITESPACE
    ['-qp', '18', '-threads', '8',
     '-x264-params', 'keyint=30:min-keyint=30:scenecut=0:open-gop=0']
    """
    if keyframe_every is None:
        return ["-crf", str(crf)]
    return ["-qp", str(crf), "-threads", str(RENDER_ENCODER_THREADS), "-x264-params",
            f"keyint={keyframe_every}:min-keyint={keyframe_every}:scenecut=0:open-gop=0"]


def wait_for_exit(pid: int, timeout: float = ENCODER_EXIT_SECONDS) -> None:
    """Wait until process ``pid`` (not necessarily a child: an orphaned encoder) has exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError, IndexError):
            return
        if state in ("Z", "X"):   # exited, waiting to be reaped by whoever adopted it
            return
        time.sleep(0.05)


def encoded_frames(stream: Path) -> int:
    """How many video frames a transport stream holds (0 if it is empty or unreadable)."""
    result = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_packets",
                             "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0",
                             str(stream)], capture_output=True, text=True)
    counts = result.stdout.split()   # a transport stream lists it under its program too
    return int(counts[0]) if counts and counts[0].isdigit() else 0


def finalise_stream(stream: Path, target: Path, fps: int, audio_path: str | Path | None = None,
                    audio_offset: float = 0.0, frames: int | None = None,
                    jumps: Sequence[tuple[float, float]] = (), loop: bool = True) -> Path:
    """Write ``target`` from a transport stream (its first ``frames`` frames; None: all it
    holds, for a stream whose encoder died) with the audio, then remove the stream. The
    audio is heard from ``audio_offset`` seconds into its file at the first frame, and from
    ``position`` at each ``(seconds into the video, position)`` of ``jumps``; past its end
    it starts again with ``loop``, else it is silent (as the rehearsal player is).

    Raises :class:`RecordingError` when the stream holds no frame (it is removed: there is
    nothing to keep) or muxing fails (it is kept, and the message says where).
    """
    for stray in stray_partials(target):   # a mux of this part killed midway (a stop cut short)
        if stray != stream:
            stray.unlink(missing_ok=True)
    if frames is None:
        frames = encoded_frames(stream)
    if frames == 0:
        stream.unlink(missing_ok=True)
        raise RecordingError(f"{target}: no frame was shown, so nothing was recorded")
    duration = frames / fps
    command = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", str(stream)]
    heard = None
    if audio_path is not None and jumps:
        heard = partial_path(target)   # a stray one is swept with the target's partials
        write_heard_audio(audio_path, [(0.0, audio_offset), *jumps], duration, heard, loop)
        audio_path, audio_offset = heard, 0.0
    if audio_path is not None:
        start = audio_start(audio_path, audio_offset) if loop else max(0.0, audio_offset)
        # Trimmed by a filter after looping: "-ss" on a looped input makes ffmpeg 5 run
        # the loops past "-t" (5 s of audio in a 3 s video).
        command += ["-stream_loop", "-1"] if loop else []
        command += ["-i", str(audio_path), "-map", "0:v:0", "-map", "1:a:0",
                    "-af", f"atrim=start={start:.6f},asetpts=PTS-STARTPTS"
                    + ("" if loop else ",apad"),   # silence after the end, to the video's
                    "-c:a", "aac", "-b:a", "192k"]
    temporary = partial_path(target)
    command += ["-c:v", "copy", "-t", f"{duration:.6f}", "-movflags", "+faststart",
                "-f", "mp4", str(temporary)]
    result = subprocess.run(command, capture_output=True, text=True, start_new_session=True)
    if heard is not None:
        heard.unlink(missing_ok=True)
    if result.returncode != 0:
        temporary.unlink(missing_ok=True)
        message = " | ".join(result.stderr.strip().splitlines()[-3:])
        raise RecordingError(f"{target}: muxing the recording failed: {message} "
                             f"(the encoded video is kept in {stream})")
    commit_output(temporary, target)
    stream.unlink(missing_ok=True)
    return target


def audio_course(part_start: float, t0: float, audio_offset: float,
                 jumps: Sequence[tuple[float, float]]) -> tuple[float, list[tuple[float, float]]]:
    """Where a recording part whose first frame is at monotonic ``part_start`` hears its audio
    file, given that the file was heard ``audio_offset`` seconds in at ``t0`` and then jumped
    (``jumps``: monotonic time heard, position): its position at the first frame, and each
    later jump as ``(seconds into the part, position)``.

    >>> audio_course(10.0, 8.0, 1.0, [(9.0, 30.0), (12.5, 60.0)])
    (31.0, [(2.5, 60.0)])
    """
    earlier = [jump for jump in jumps if jump[0] <= part_start]
    heard_at, position = max(earlier) if earlier else (t0, audio_offset)
    later = sorted(jump for jump in jumps if jump[0] > part_start)
    return position + part_start - heard_at, [(at - part_start, where) for at, where in later]


def heard_pieces(course: Sequence[tuple[float, float]], duration: float, rate: int,
                 length: int, loop: bool = True) -> list[tuple[int, int]]:
    """The audio of a video ``duration`` seconds long as ``(first sample, count)`` pieces of a
    file of ``length`` samples at ``rate``: from each ``(seconds into the video, position)``
    of ``course`` to the next, wrapping at the file's end with ``loop``, else silent past it
    (a first sample of -1).

    >>> heard_pieces([(0.0, 1.0), (0.5, 0.0)], 1.0, 10, 20)
    [(10, 5), (0, 5)]
    >>> heard_pieces([(0.0, 1.5)], 1.0, 10, 20)
    [(15, 5), (0, 5)]
    >>> heard_pieces([(0.0, 1.5)], 1.0, 10, 20, loop=False)
    [(15, 5), (-1, 5)]
    """
    pieces = []
    ends = [at for at, _ in course[1:]] + [duration]
    for (at, position), end in zip(course, ends):
        need = round(min(end, duration) * rate) - round(at * rate)
        cursor = round(position * rate) % length if loop else round(position * rate)
        while need > 0:
            if not 0 <= cursor < length:   # past the end of a program that does not loop
                pieces.append((-1, need))
                break
            count = min(need, length - cursor)
            pieces.append((cursor, count))
            need, cursor = need - count, 0 if loop else length
    return pieces


def write_heard_audio(audio_path: str | Path, course: Sequence[tuple[float, float]],
                      duration: float, target: Path, loop: bool = True) -> None:
    """Write the audio heard over ``duration`` seconds (see :func:`heard_pieces`) to
    ``target`` as a wav, read piece by piece (a set's audio can be long)."""
    try:
        with soundfile.SoundFile(str(audio_path)) as source, \
                soundfile.SoundFile(str(target), "w", samplerate=source.samplerate,
                                    channels=source.channels, format="WAV",
                                    subtype="FLOAT") as heard:
            for first, count in heard_pieces(course, duration, source.samplerate,
                                             source.frames, loop):
                if first < 0:
                    heard.write(np.zeros((count, source.channels), np.float32))
                    continue
                source.seek(first)
                heard.write(source.read(count, dtype="float32", always_2d=True))
    except (RuntimeError, OSError) as exc:
        target.unlink(missing_ok=True)
        raise RecordingError(f"{audio_path}: cannot read the audio to mux: {exc}") from None


def audio_start(audio_path: str | Path, audio_offset: float) -> float:
    """Where in the file the video's first frame falls: the offset wrapped into the file, so a
    loop that has already gone round several times still starts at the right sample."""
    try:
        duration = soundfile.info(str(audio_path)).duration
    except (RuntimeError, OSError) as exc:
        raise RecordingError(f"{audio_path}: cannot read the audio to mux: {exc}") from None
    return audio_offset % duration if duration > 0 else 0.0
