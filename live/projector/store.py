"""The projection file while it is written: GANce's layout, ``complete`` false until the end.

A new file is laid out (root attributes, empty groups) under a temporary name and renamed
into place, so it is never half-made; frames are then added to it as they finish (target
image, final image, then the latent, which marks the frame done) and flushed. A file found at
the output path is resumed when it was started with the same video, network and settings
(recorded in one JSON attribute, ``gance_live_projector``); anything else gets one line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from live.contracts.outputs import atomic_output
from live.contracts.paths import shown_path
from live.latents.projection import (FINAL_IMAGES, FINAL_LATENTS, SETTINGS_ATTRIBUTE,
                                     TARGET_IMAGES, start_layout, write_dataset)
from live.projector.errors import ProjectorError

FRAME_GROUPS = (TARGET_IMAGES, FINAL_IMAGES, FINAL_LATENTS)  # written in this order


class ProjectionOutput:
    """An open projection file being written; :meth:`done` lists the frames it holds."""

    def __init__(self, path: Path, handle: h5py.File) -> None:
        self.path = path
        self._file = handle

    @classmethod
    def open(cls, path: str | Path, root: dict[str, Any],
             settings: dict[str, Any]) -> ProjectionOutput:
        """Start ``path`` with ``root`` attributes (``complete`` false), or reopen the file
        there to resume it, checking it was started with the same ``settings``."""
        path = Path(path)
        if not path.exists():
            with atomic_output(path) as temporary, h5py.File(temporary, "w") as f:
                start_layout(f, {**root, "complete": False,
                                 SETTINGS_ATTRIBUTE: json.dumps(settings, sort_keys=True)})
        start_over = f"delete {shown_path(path)} to start over, or choose another --out"
        if not path.is_file():
            raise ProjectorError(f"{shown_path(path)}: --out names something that is not a "
                                 f"file; {start_over}")
        try:
            handle = h5py.File(path, "r+")
        except OSError as exc:
            raise ProjectorError(f"{shown_path(path)}: exists but cannot be resumed: not a "
                                 f"writable HDF5 file ({exc}); {start_over}") from None
        output = cls(path, handle)
        try:
            output._check_resumable(settings, start_over)
        except BaseException:
            handle.close()
            raise
        return output

    def _check_resumable(self, settings: dict[str, Any], start_over: str) -> None:
        attrs = self._file.attrs
        if SETTINGS_ATTRIBUTE not in attrs:
            raise ProjectorError(f"{shown_path(self.path)}: exists and was not started by "
                                 f"gance-live project, so it cannot be resumed; {start_over}")
        if bool(attrs.get("complete", False)):
            raise ProjectorError(f"{shown_path(self.path)}: is already a complete projection; "
                                 f"{start_over}")
        started = json.loads(attrs[SETTINGS_ATTRIBUTE])
        for key in sorted(set(started) | set(settings)):
            if started.get(key) != settings.get(key):
                raise ProjectorError(
                    f"{shown_path(self.path)}: was started with {key} = {started.get(key)!r}, "
                    f"now {settings.get(key)!r}; resume with the same video, network and "
                    f"options, or {start_over}")

    def done(self) -> set[int]:
        """Indices of the frames whose target, final image and latent are all written."""
        found = [self._indices(group) for group in FRAME_GROUPS]
        return set.intersection(*found)

    def _indices(self, group: str) -> set[int]:
        prefix = f"{group}_"
        return {int(name[len(prefix):]) for name in self._file[group].keys()
                if name.startswith(prefix) and name[len(prefix):].isdigit()}

    def discard(self, frames: list[int]) -> None:
        """Remove whatever an interrupted run wrote of these frames."""
        for group in FRAME_GROUPS:
            for frame in frames:
                self._file[group].pop(f"{group}_{frame}", None)

    def latent(self, frame: int) -> np.ndarray:
        """The ``[num_ws, 512]`` latent frame ``frame`` ended on."""
        return np.asarray(self._file[FINAL_LATENTS][f"{FINAL_LATENTS}_{frame}"])[0]

    def write_frame(self, frame: int, latent: np.ndarray, target: np.ndarray,
                    final: np.ndarray) -> None:
        write_dataset(self._file, TARGET_IMAGES, frame, target)
        write_dataset(self._file, FINAL_IMAGES, frame, final)
        write_dataset(self._file, FINAL_LATENTS, frame, latent[None].astype(np.float32))

    def flush(self) -> None:
        self._file.flush()

    def finish(self) -> None:
        """Mark the projection complete (a show will play it) and close the file."""
        self._file.attrs["complete"] = True
        self.close()

    def close(self) -> None:
        if self._file.id.valid:
            self._file.close()
