"""Recording the output to an mp4 with ffmpeg, without holding up the display.

Frames (raw RGBA, top row first) go into a bounded queue; a writer thread feeds them to an
ffmpeg process encoding H.264 (libx264, yuv420p) into an MPEG transport stream beside the
target. That stream stays readable even if everything is killed, and its 90 kHz clock holds
``1/fps`` steps exactly for the usual rates (Matroska's whole milliseconds would skew 1/15 s
steps, and a bare H.264 stream loses frames when copied). :meth:`Mp4Recorder.finish`
closes the encoder and writes the final mp4: the video stream copied, the audio muxed from a file (AAC), starting
``audio_offset`` seconds into it, looped if shorter than the video and cut to the video's
duration.

ffmpeg runs in its own session so a Ctrl-C in the terminal reaches the supervisor, not the
encoder: the recording is finalised through the compositor on every exit path.
"""

from __future__ import annotations

import queue
import subprocess
import tempfile
import threading
from pathlib import Path

import soundfile

from live.contracts.errors import LiveError

QUEUE_BYTES = 256 * 1024 * 1024   # at most this much waits for the encoder...
QUEUE_SECONDS = 0.5               # ...and at most this much show time, so finishing is quick
ENCODER_EXIT_SECONDS = 60.0


class RecordingError(LiveError, RuntimeError):
    """The encoder failed or nothing could be recorded; the message is one line."""


class Mp4Recorder:
    """Encodes ``width x height`` RGBA frames at ``fps`` into ``path`` (see the module docs)."""

    def __init__(self, path: str | Path, width: int, height: int, fps: int, crf: int = 18,
                 preset: str = "veryfast", queue_frames: int | None = None) -> None:
        if width % 2 or height % 2:
            raise RecordingError(f"{path}: an H.264 mp4 needs an even width and height, "
                                 f"got {width}x{height}; set [output] width/height to even values")
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.width, self.height, self.fps = width, height, fps
        self.frames_written = 0
        self.video_path = self.path.with_name(self.path.stem + ".video.ts")
        self._log = tempfile.TemporaryFile()
        self._encoder = subprocess.Popen(
            ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
             "-f", "rawvideo", "-pix_fmt", "rgba", "-s", f"{width}x{height}",
             "-framerate", str(fps), "-i", "-",
             "-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-pix_fmt", "yuv420p",
             "-f", "mpegts", str(self.video_path)],
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

    def finish(self, audio_path: str | Path | None = None, audio_offset: float = 0.0) -> Path:
        """Close the encoder and write the final mp4 (with audio when ``audio_path`` is given)."""
        self._close_encoder()
        self._log.close()
        if self._failure:
            raise RecordingError(self._failure)
        if self.frames_written == 0:
            self.video_path.unlink(missing_ok=True)
            raise RecordingError(f"{self.path}: no frame was shown, so nothing was recorded")
        duration = self.frames_written / self.fps
        command = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
                   "-i", str(self.video_path)]
        if audio_path is not None:
            start = audio_start(audio_path, audio_offset)
            # Trimmed by a filter after looping: "-ss" on a looped input makes ffmpeg 5 run
            # the loops past "-t" (5 s of audio in a 3 s video).
            command += ["-stream_loop", "-1", "-i", str(audio_path),
                        "-map", "0:v:0", "-map", "1:a:0",
                        "-af", f"atrim=start={start:.6f},asetpts=PTS-STARTPTS",
                        "-c:a", "aac", "-b:a", "192k"]
        command += ["-c:v", "copy", "-t", f"{duration:.6f}", "-movflags", "+faststart",
                    str(self.path)]
        result = subprocess.run(command, capture_output=True, text=True, start_new_session=True)
        if result.returncode != 0:
            message = " | ".join(result.stderr.strip().splitlines()[-3:])
            raise RecordingError(f"{self.path}: muxing the recording failed: {message}")
        self.video_path.unlink(missing_ok=True)
        return self.path


def audio_start(audio_path: str | Path, audio_offset: float) -> float:
    """Where in the file the video's first frame falls: the offset wrapped into the file, so a
    loop that has already gone round several times still starts at the right sample."""
    try:
        duration = soundfile.info(str(audio_path)).duration
    except (RuntimeError, OSError) as exc:
        raise RecordingError(f"{audio_path}: cannot read the audio to mux: {exc}") from None
    return audio_offset % duration if duration > 0 else 0.0
