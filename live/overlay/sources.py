"""The source side of the eye overlays, computed once: every source frame's eyes and hash.

A projection's source frames never change, so ``gance-live overlays PROJECTION.hdf5`` finds
their eyes once and stores them beside the projection in ``PROJECTION.hdf5.eyes.npz``; the
show then analyses only what the network draws. The source frames are the projection's
target images, or the original video it was made from (``[overlays] source_video``,
``gance-live overlays PROJECTION --video VIDEO``). The file records which projection and
which video it was made from (size and modification time), so a projection or video written
again, or another source, is not matched against stale eyes. In a set each song playing a
projection has its own (:class:`EyeSource`), and a song's ``source_video`` may name its video.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, NamedTuple

import numpy as np

from live.contracts.errors import ConfigError
from live.contracts.outputs import atomic_output
from live.overlay.eyes import Box, EyeFinder, EyeSample

SIDECAR_SUFFIX = ".eyes.npz"
FORMAT_VERSION = 2          # 2: records the source video (none: the target images)
TARGET_IMAGES_STAMP = np.zeros(2, np.int64)   # the "video" of eyes found in target images


class SourceEyesError(ConfigError):
    """A missing, stale or damaged eyes file; the message says to run the command again."""


def sidecar_path(projection: str | Path) -> Path:
    """Where the eyes of ``projection``'s source frames are stored."""
    projection = Path(projection)
    return projection.with_name(projection.name + SIDECAR_SUFFIX)


def _stamp(path: Path) -> np.ndarray:
    stat = path.stat()
    return np.array([stat.st_size, stat.st_mtime_ns], dtype=np.int64)


def _source_stamp(video: Path | None) -> np.ndarray:
    return TARGET_IMAGES_STAMP if video is None else _stamp(video)


def overlays_command(projection: Path, video: Path | None) -> str:
    """The command that computes the eyes of ``projection``'s source frames."""
    return f"gance-live overlays {projection}" + (f" --video {video}" if video else "")


class EyeSource(NamedTuple):
    """Where one song's eye overlays come from: its projection, whose stored eyes were found
    in ``video`` (the original video it was made from) or, None, in its target images."""

    projection: Path
    video: Path | None = None


@dataclass
class SourceEyes:
    """Per source frame: whether eyes were found, their box and the region's phash."""

    found: np.ndarray        # [N] bool
    boxes: np.ndarray        # [N, 4] int32 x, y, w, h (zeros where none)
    phashes: np.ndarray      # [N] uint64
    frame_size: tuple[int, int]   # the source frames' (width, height)

    def __len__(self) -> int:
        return len(self.found)

    def sample(self, index: int) -> EyeSample | None:
        if not self.found[index]:
            return None
        return EyeSample(Box(*map(int, self.boxes[index])), int(self.phashes[index]))

    @classmethod
    def analyse(cls, frames: Iterable[np.ndarray], count: int,
                on_frame: Callable[[], None] = lambda: None) -> SourceEyes:
        """Find the eyes in ``count`` RGB frames of one size; ``on_frame`` after each."""
        finder = EyeFinder()
        found = np.zeros(count, bool)
        boxes = np.zeros((count, 4), np.int32)
        phashes = np.zeros(count, np.uint64)
        frame_size = (0, 0)
        for index, frame in enumerate(frames):
            frame_size = (frame.shape[1], frame.shape[0])
            sample = finder.sample(frame)
            if sample is not None:
                found[index], boxes[index], phashes[index] = True, sample.box, sample.phash
            on_frame()
        return cls(found, boxes, phashes, frame_size)

    def save(self, projection: Path, video: Path | None = None) -> Path:
        """Write beside ``projection`` (atomically), made from its target images or from
        ``video``; returns the path written."""
        target = sidecar_path(projection)
        with atomic_output(target) as temporary, temporary.open("wb") as stream:
            np.savez(stream, version=FORMAT_VERSION, projection=_stamp(projection),
                     video=_source_stamp(video),
                     found=self.found, boxes=self.boxes, phashes=self.phashes,
                     frame_size=np.array(self.frame_size, np.int32))
        return target

    @classmethod
    def load(cls, projection: str | Path, frame_count: int | None = None,
             video: Path | None = None) -> SourceEyes:
        """The eyes stored for ``projection`` (of ``frame_count`` frames, when given) found in
        its target images, or in ``video``; a missing, stale or damaged file, or one made
        from the other source, raises :class:`SourceEyesError` naming the command that
        makes it."""
        projection = Path(projection)
        path = sidecar_path(projection)
        again = f"run '{overlays_command(projection, video)}'"
        if not path.is_file():
            raise SourceEyesError(f"{path}: the source frames' eyes were never computed; "
                                  f"{again} before the show")
        try:
            with np.load(path) as stored:
                version = int(stored["version"])
                if version != FORMAT_VERSION:
                    raise SourceEyesError(f"{path}: written by another version of gance-live "
                                          f"(format {version}, this one reads "
                                          f"{FORMAT_VERSION}); {again}")
                fields = {name: stored[name] for name in ("projection", "video", "found",
                                                          "boxes", "phashes", "frame_size")}
        except (OSError, ValueError, KeyError, EOFError) as exc:
            raise SourceEyesError(f"{path}: not a readable eyes file ({exc}); {again}") from None
        if not np.array_equal(fields["projection"], _stamp(projection)):
            raise SourceEyesError(f"{path}: made from another version of {projection.name} "
                                  f"(it changed since); {again}")
        made_from_video = not np.array_equal(fields["video"], TARGET_IMAGES_STAMP)
        if made_from_video != (video is not None):
            made, wanted = ("a source video", "its target images") if made_from_video else \
                ("its target images", f"the video {video}")
            raise SourceEyesError(f"{path}: made from {made}, but the show's source frames "
                                  f"are {wanted} ([overlays] source_video); {again}")
        if video is not None and not np.array_equal(fields["video"], _stamp(video)):
            raise SourceEyesError(f"{path}: made from another version of {video.name} (it "
                                  f"changed since) or another video; {again}")
        if frame_count is not None and len(fields["found"]) != frame_count:
            raise SourceEyesError(f"{path}: holds {len(fields['found'])} frames, the projection "
                                  f"{frame_count}; {again}")
        return cls(fields["found"].astype(bool), fields["boxes"].astype(np.int32),
                   fields["phashes"].astype(np.uint64),
                   tuple(int(v) for v in fields["frame_size"]))

