"""Audio files for rehearsal: reading them, and the looping program the player plays.

    samples, rate = read_audio("loop.flac")            # float32 [frames, channels]
    program = AudioProgram.from_files(["a.wav", "b.wav"], loop=True, loop_start=4.0)
    piece, first_sample = program.read(256)             # never spans a loop jump
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from live.audio.errors import AudioInputError
from live.contracts.paths import check_input_file

SUPPORTED = ".wav, .flac or .ogg"
# Full scale is 1.0; float files may go over it, but a sample beyond this (+24 dBFS) is damage,
# not music, and would swamp every feature.
SAMPLE_LIMIT = 16.0


def read_audio(path: str | Path) -> tuple[np.ndarray, int]:
    """The whole file as float32 ``[frames, channels]`` (full scale = 1.0) and its rate.

    Raises :class:`AudioInputError` naming the file when it is missing, unreadable, in a
    format soundfile cannot decode, empty, or holds NaN, inf or samples beyond
    +-``SAMPLE_LIMIT``.
    """
    import soundfile

    path = check_input_file(path, "audio file", fix=f"expected a {SUPPORTED} file",
                            error=AudioInputError)
    try:
        samples, sample_rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, TypeError) as exc:
        raise AudioInputError(f"{path}: cannot read audio ({exc}); expected a {SUPPORTED} "
                              "file") from None
    if len(samples) == 0:
        raise AudioInputError(f"{path}: the audio file holds no samples")
    # min and max propagate NaN and need no copy of a song's samples.
    if not -SAMPLE_LIMIT <= samples.min() <= samples.max() <= SAMPLE_LIMIT:
        frame, channel = np.argwhere(~(np.abs(samples) <= SAMPLE_LIMIT))[0]
        value = samples[frame, channel]
        raise AudioInputError(
            f"{path}: sample at {frame / sample_rate:.3f} s (frame {frame}, channel "
            f"{channel + 1}) is {'NaN' if np.isnan(value) else f'{value:g}'}, outside the bound "
            f"|x| <= {SAMPLE_LIMIT:g} (full scale is 1); the file is damaged: export it again")
    return samples, int(sample_rate)


def join_programme(parts: Sequence[tuple[np.ndarray, int]],
                   names: Sequence[str]) -> tuple[np.ndarray, int]:
    """Concatenate files played one after another; mono parts are spread to the widest.

    All parts must share a sample rate: the player does not resample, so a mismatch is an
    error naming the file.
    """
    rate = parts[0][1]
    width = max(samples.shape[1] for samples, _ in parts)
    joined = []
    for (samples, part_rate), name in zip(parts, names):
        if part_rate != rate:
            raise AudioInputError(f"{name}: plays at {part_rate} Hz but {names[0]} at {rate} "
                                  "Hz; convert the playlist to one sample rate")
        if samples.shape[1] != width:
            samples = np.repeat(samples.mean(axis=1, keepdims=True), width, axis=1)
        joined.append(samples)
    return np.concatenate(joined), rate


class AudioProgram:
    """Samples to play in order, optionally looping over a region, read block by block.

    ``loop_start`` / ``loop_end`` are seconds (``loop_end`` 0 = the end). Playback starts at
    ``loop_start``. :meth:`read` returns contiguous pieces only, so each piece's first sample
    index gives every sample's position.
    """

    def __init__(self, samples: np.ndarray, sample_rate: int, loop: bool = True,
                 loop_start: float = 0.0, loop_end: float = 0.0, name: str = "audio") -> None:
        self.samples = samples
        self.sample_rate = sample_rate
        self.loop = loop
        total = len(samples)
        self.start = int(round(loop_start * sample_rate))
        self.end = int(round(loop_end * sample_rate)) if loop_end > 0 else total
        if not 0 <= self.start < self.end <= total:
            length = total / sample_rate
            raise AudioInputError(f"{name}: loop region {loop_start:g}..{loop_end or length:g} s "
                                  f"does not fit the audio ({length:.3f} s long); "
                                  "fix [audio] loop_start / loop_end")
        self.cursor = self.start
        self.finished = False
        self._seek_to: int | None = None   # a jump the next read makes (see seek)
        self.jumped = False   # the last read made a jump (the reader clears it once noted)

    @classmethod
    def from_files(cls, paths: Sequence[str | Path], loop: bool = True, loop_start: float = 0.0,
                   loop_end: float = 0.0) -> AudioProgram:
        """Read and join ``paths`` (raising :class:`AudioInputError` on the first bad one)."""
        names = [str(p) for p in paths]
        samples, rate = join_programme([read_audio(p) for p in paths], names)
        return cls(samples, rate, loop, loop_start, loop_end, name=names[0])

    def write(self, path: str | Path) -> None:
        """Write every sample of the program (not only the loop region) as FLAC: the set's
        songs joined, for a render to analyse and mux."""
        import soundfile

        soundfile.write(str(path), np.clip(self.samples, -1.0, 1.0), self.sample_rate,
                        format="FLAC", subtype="PCM_24")

    @property
    def channels(self) -> int:
        return self.samples.shape[1]

    def seek(self, seconds: float) -> None:
        """Play on from ``seconds`` into the program (the set moving to a song), from the
        next read on; another thread than the reader's may call it."""
        self._seek_to = min(max(0, int(round(seconds * self.sample_rate))), len(self.samples) - 1)

    def read(self, frames: int) -> tuple[np.ndarray, int]:
        """Up to ``frames`` samples ``[n, channels]`` from the cursor and the index of the
        first. Shorter at a loop jump (the next read continues at ``loop_start``); empty once
        a non-looping program has ended (until a seek)."""
        if self._seek_to is not None:
            self.cursor, self._seek_to, self.finished = self._seek_to, None, False
            self.jumped = True
        if self.finished:
            return self.samples[:0], self.cursor
        first = self.cursor
        piece = self.samples[first:min(first + frames, self.end)]
        self.cursor = first + len(piece)
        if self.cursor >= self.end:
            if self.loop:
                self.cursor = self.start
            else:
                self.finished = True
        return piece, first
