"""A song's latent files: read and checked (:func:`read_song_files`), in a child process
while the show plays (:class:`SongLoader`).

Reading a long projection file (h5py, then numpy over the whole ``[N, 18, 512]`` array) holds
the interpreter lock in stretches: done on a thread of the main process it makes the
conductor wake late, and a switch then misses its frame. The loader's child process reads
the files and puts back only the rows a song plays (a GANce projection's one shared W per
frame) in a shared-memory segment, named for the main process (:mod:`live.contracts.shm`),
which maps it: what crosses the pipe is a few numbers, never an array.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field, replace
from multiprocessing import get_context
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from multiprocessing.shared_memory import SharedMemory
from pathlib import Path
from typing import Callable

import numpy as np

from live.contracts.errors import ConfigError, LiveError
from live.contracts.lifecycle import child_process
from live.contracts.paths import check_input_file
from live.contracts.shm import (attach_segment, create_segment, leftover_segments,
                                release_segment, segment_name)
from live.latents.blend import first_out_of_range
from live.latents.config import LatentsConfig
from live.latents.journeys import check_fps_fits
from live.latents.projection import W_DIM, ProjectionFile, ProjectionFileError

SEED_PREFIX = "seed:"
SEGMENT_PURPOSE = "song"        # gance_live_<main pid>_song<N>
STOP_WAIT_S = 2.0               # a loader still reading when the show ends is then ended
# The errors a child's line is raised again as in the main process (others: ConfigError).
_ERRORS = {cls.__name__: cls for cls in (ConfigError, ProjectionFileError)}


@dataclass
class SongFiles:
    """What a song's ``[latents]`` reads from disk, read and checked."""

    projection: np.ndarray | None = None   # [N, 1 or num_ws, 512] float32: the latents played
    projection_fps: float = 0.0
    keyframes: dict[int, np.ndarray] = field(default_factory=dict)  # point number -> W [rows, 512]

    def arrays(self) -> dict[str, np.ndarray]:
        """Every array by a key, for the segment: ``projection``, ``keyframe:N``."""
        named = {f"keyframe:{entry}": w for entry, w in self.keyframes.items()}
        if self.projection is not None:
            named["projection"] = self.projection
        return named

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], projection_fps: float) -> SongFiles:
        keyframes = {int(key.removeprefix("keyframe:")): w for key, w in arrays.items()
                     if key.startswith("keyframe:")}
        return cls(arrays.get("projection"), projection_fps, keyframes)


def keyframe_files(cfg: LatentsConfig) -> dict[int, str]:
    """The ``[latents.keyframes] points`` the source plays that are saved W files, by their
    number in the list."""
    plays_points = cfg.source == "keyframes" or \
        (cfg.source == "novelty_walk" and len(cfg.keyframes.points) >= 2)
    return {number: entry for number, entry in enumerate(cfg.keyframes.points)
            if plays_points and not entry.startswith(SEED_PREFIX)}


def read_song_files(cfg: LatentsConfig, num_ws: int, fps: int, resolve: Callable[[str], Path],
                    config_name: str) -> SongFiles:
    """Read and check the files ``cfg`` names for networks of ``num_ws`` rows at show ``fps``;
    a problem raises :class:`~live.contracts.errors.ConfigError` (a projection file's:
    :class:`~live.latents.projection.ProjectionFileError`) naming the file and the fix."""
    files = SongFiles(keyframes={number: _load_w(entry, num_ws, resolve, config_name)
                                 for number, entry in keyframe_files(cfg).items()})
    if cfg.source != "projection":
        return files
    settings = cfg.projection
    if not settings.file:
        raise ConfigError(f"{config_name}: [latents.projection] file: source = "
                          f"\"projection\" needs a GANce projection file (.hdf5)")
    projection = ProjectionFile.open(resolve(settings.file),
                                     identical_rows=settings.identical_rows)
    if projection.num_ws != num_ws:
        raise ProjectionFileError(
            f"{projection.path}: latents have {projection.num_ws} W+ rows but the show's "
            f"networks have {num_ws}: the projection was made with a network of another "
            f"resolution; project the video with one of this show's networks")
    if not settings.interpolate:
        check_fps_fits(projection.path, projection.fps, fps)
    # Rows checked identical: keep the one shared row, copied so the file's other rows are
    # freed (a set keeps every song's latents: 18 times less memory at 1024 px).
    files.projection = np.ascontiguousarray(projection.latents[:, :1]) \
        if settings.identical_rows else projection.latents
    files.projection_fps = projection.fps
    return files


def resolved(cfg: LatentsConfig, resolve: Callable[[str], Path]) -> LatentsConfig:
    """``cfg`` with the files it reads named by the paths ``resolve`` gives them."""
    files = keyframe_files(cfg)
    points = [str(resolve(entry)) if number in files else entry
              for number, entry in enumerate(cfg.keyframes.points)]
    projection = cfg.projection.file and str(resolve(cfg.projection.file))
    return replace(cfg, keyframes=replace(cfg.keyframes, points=points),
                   projection=replace(cfg.projection, file=projection))


def _load_w(entry: str, num_ws: int, resolve: Callable[[str], Path],
            config_name: str) -> np.ndarray:
    key = f"{config_name}: [latents.keyframes] points"
    path = check_input_file(resolve(entry), "saved W (.npy)", where=key)
    where = f"{key}: {path}"
    try:
        w = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{where}: cannot read a saved W (.npy) from it ({exc})") from None
    if w.shape == (W_DIM,):
        w = w[None]
    if w.shape not in ((1, W_DIM), (num_ws, W_DIM)) or w.dtype.kind != "f":
        raise ConfigError(f"{where}: holds {w.dtype} {w.shape}; expected floats of shape "
                          f"({W_DIM},) or ({num_ws}, {W_DIM}) for this network")
    if (bad := first_out_of_range(w)) is not None:
        raise ConfigError(f"{where}: row {bad[0]} {bad[1]}; save that W again")
    return w.astype(np.float32)


@dataclass(frozen=True)
class _Request:
    number: int                  # names the segment: one per song read
    cfg: LatentsConfig           # its file names resolved (a resolve function may not pickle)
    num_ws: int
    fps: int
    config_name: str


@dataclass(frozen=True)
class _Reply:
    segment: str | None          # None: the song reads no array from disk
    layout: list[tuple[str, tuple[int, ...], int]]   # (key, shape, byte offset) per array
    projection_fps: float = 0.0
    error: tuple[str, str] | None = None             # (error class name, its line)


@child_process
def song_loader_main(requests: Connection, owner_pid: int) -> None:
    """The loader child: reads each requested song's files into a segment the main process
    (``owner_pid``) owns, until it is sent None."""
    while (request := requests.recv()) is not None:
        try:
            files = read_song_files(request.cfg, request.num_ws, request.fps, Path,
                                    request.config_name)
        except Exception as exc:  # any failure is one line for the main process to say
            kind = type(exc).__name__
            line = str(exc) if isinstance(exc, LiveError) else f"{kind}: {exc}"
            requests.send(_Reply(None, [], error=(kind, line)))
            continue
        requests.send(_to_segment(files, f"{SEGMENT_PURPOSE}{request.number}", owner_pid))


def _to_segment(files: SongFiles, purpose: str, owner_pid: int) -> _Reply:
    arrays = files.arrays()
    if not arrays:
        return _Reply(None, [], files.projection_fps)
    layout, offset = [], 0
    for key, array in arrays.items():
        layout.append((key, array.shape, offset))
        offset += array.nbytes
    shm = create_segment(purpose, offset, owner_pid=owner_pid)
    try:
        for (key, shape, start), array in zip(layout, arrays.values()):
            np.ndarray(shape, np.float32, shm.buf, start)[...] = array
    finally:
        release_segment(shm, unlink=False)   # the main process owns it from here
    return _Reply(shm.name, layout, files.projection_fps)


class SongLoader:
    """Reads songs' files in a child process (started at the first :meth:`read`, started
    again after it died); one read at a time. :meth:`close` ends it and removes every
    segment it made."""

    def __init__(self) -> None:
        self._context = get_context("spawn")
        self._lock = threading.Lock()
        self._process: BaseProcess | None = None
        self._pipe: Connection | None = None
        self._read = 0                  # songs asked for so far: names each one's segment
        self._segments: list[SharedMemory] = []

    def read(self, cfg: LatentsConfig, num_ws: int, fps: int, resolve: Callable[[str], Path],
             config_name: str) -> SongFiles:
        """The song's files as :func:`read_song_files` gives them, read by the child; the
        arrays are views of a shared segment, valid until :meth:`close`."""
        with self._lock:
            if self._process is None or not self._process.is_alive():
                self._start()
            self._read += 1
            try:
                self._pipe.send(_Request(self._read, resolved(cfg, resolve), num_ws, fps,
                                         config_name))
                reply: _Reply = self._pipe.recv()
            except (EOFError, OSError):
                self._process.join(STOP_WAIT_S)
                code = self._process.exitcode
                self._process = None
                raise ConfigError(f"{config_name}: the song loader process ended (exit code "
                                  f"{code}) while reading this song's files; the show goes on "
                                  f"without this song") from None
        if reply.error is not None:
            kind, line = reply.error
            raise _ERRORS.get(kind, ConfigError)(line)
        if reply.segment is None:
            return SongFiles(projection_fps=reply.projection_fps)
        shm = attach_segment(reply.segment)
        self._segments.append(shm)
        arrays = {key: np.ndarray(shape, np.float32, shm.buf, offset)
                  for key, shape, offset in reply.layout}
        return SongFiles.from_arrays(arrays, reply.projection_fps)

    def close(self) -> None:
        """End the child (waiting a moment for a read under way) and remove the segments."""
        if self._process is not None:
            try:
                self._pipe.send(None)
            except OSError:
                pass   # it has died already
            self._process.join(STOP_WAIT_S)
            if self._process.is_alive():
                self._process.terminate()
                self._process.join()
            self._process = None
        for shm in self._segments:
            release_segment(shm, unlink=True)
        self._segments.clear()
        # A segment the child made but never reported (it died in between) goes too.
        for name in leftover_segments(os.getpid()):
            if name.startswith(segment_name(SEGMENT_PURPOSE)):
                release_segment(attach_segment(name), unlink=True)

    def _start(self) -> None:
        self._pipe, child_end = self._context.Pipe()
        self._process = self._context.Process(target=song_loader_main,
                                              args=(child_end, os.getpid()),
                                              name="song-loader", daemon=True)
        self._process.start()
        child_end.close()
