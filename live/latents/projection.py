"""GANce projection files: a video projected frame by frame into a network's W+, in HDF5.

GANce (Won Pound's "music videos from projections") writes one file per projected video::

    /                              root attributes: version_number (1 or 2), complete,
                                   projection_fps, projection_frame_count, original_fps, ...
    /final_latents/final_latents_{i}   (1, num_ws, 512) float32: the W+ frame i ended on
    /target_images/target_images_{i}   (H, W, 3) uint8: the video frame that was projected
    /final_images/final_images_{i}     (H, W, 3) uint8: what the network drew from the latent
    /latents_histories, /images_histories, /noises_histories   per-step records (optional)

Frames are ordered by the integer after the last underscore (``_10`` after ``_9``, which a
plain name sort gets wrong). Version 2 only renamed ``original_model_path`` /
``model_md5_hash`` to ``original_network_path`` / ``network_md5_hash``.

:meth:`ProjectionFile.open` checks GANce's own assumptions (the projection finished, the
frame count agrees with the attributes, each latent is one W repeated on every row) and turns
every problem into a :class:`ProjectionFileError` naming the file, what is wrong and the fix.

    pf = ProjectionFile.open("songs/intro.hdf5")
    pf.latents.shape, pf.fps        # (900, 18, 512), 30.0 for 30 s of a 1024² network
"""

from __future__ import annotations

import json
import math
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import h5py
import numpy as np

from live.contracts.errors import ConfigError
from live.contracts.paths import check_input_file
from live.latents.blend import first_out_of_range
from live.video.sources import FIT_MODES

W_DIM = 512
SUPPORTED_VERSIONS = (1, 2)
WRITTEN_VERSION = 2
FINAL_LATENTS = "final_latents"
TARGET_IMAGES = "target_images"
FINAL_IMAGES = "final_images"
HISTORY_GROUPS = ("latents_histories", "images_histories", "noises_histories")
# gance-live's projector records its settings (how it fitted the video among them) as JSON here.
SETTINGS_ATTRIBUTE = "gance_live_projector"
# GANce computes the frame count from the video's duration and fps and projects what the
# decoder actually yields; the two may disagree by a frame or two and GANce accepts that.
FRAME_COUNT_TOLERANCE = 2
# GANce stores everything gzip-compressed with byte shuffling, at its strongest level.
COMPRESSION_LEVEL = 9
# What h5py raises on a damaged file, depending on which structure the damage hit.
HDF5_ERRORS = (OSError, RuntimeError, KeyError, ValueError)


class ProjectionFileError(ConfigError):
    """A projection file the show cannot play; the message names the file and the fix."""


class ProjectionFile:
    """An opened, validated projection: latents in memory, target images read on demand."""

    def __init__(self, path: Path, latents: np.ndarray, fps: float, attributes: dict[str, Any],
                 target_image_count: int) -> None:
        assert latents.ndim == 3 and latents.shape[2] == W_DIM, latents.shape
        self.path = path
        self.latents = latents            # [N, num_ws, 512] float32
        self.fps = fps                    # projection_fps: latents per second of the video
        self.attributes = attributes      # every root attribute, as Python values
        self._target_image_count = target_image_count

    def __len__(self) -> int:
        return self.latents.shape[0]

    @property
    def num_ws(self) -> int:
        return self.latents.shape[1]

    def target_image(self, index: int) -> np.ndarray | None:
        """The video frame projected into latent ``index`` ([H, W, 3] uint8), None if the file
        kept no target images. Read from disk on each call: images can run to gigabytes."""
        if not 0 <= index < len(self):
            raise IndexError(f"{self.path}: target image {index} out of range 0..{len(self) - 1}")
        if index >= self._target_image_count:
            return None
        return read_target_image(self.path, index)

    @classmethod
    def open(cls, path: str | Path, identical_rows: bool = True) -> ProjectionFile:
        """Read and validate a GANce projection file.

        ``identical_rows``: GANce's projector optimises one W and repeats it on every row, and
        GANce asserts that on reading; pass False for W+ projections from other projectors.
        """
        path = check_input_file(path, "projection file",
                                fix="check [latents.projection] file, relative to the config",
                                error=ProjectionFileError)
        with _open_hdf5(path) as f:
            with _reading(path, "the root attributes"):
                attributes = {key: _plain(value) for key, value in f.attrs.items()}
            fps = _check_attributes(path, attributes)
            latents = _read_latents(path, f)
            with _reading(path, f"the {TARGET_IMAGES} group"):
                target_count = len(_indexed_names(path, f, TARGET_IMAGES)) \
                    if TARGET_IMAGES in f else 0
        frame_count = attributes.get("projection_frame_count")
        if frame_count is not None and (not isinstance(frame_count, (int, float))
                                        or not math.isfinite(frame_count)):
            raise ProjectionFileError(f"{path}: projection_frame_count is {frame_count!r}, not a "
                                      f"number; the attributes are damaged")
        if frame_count is not None and abs(frame_count - len(latents)) > FRAME_COUNT_TOLERANCE:
            raise ProjectionFileError(
                f"{path}: holds {len(latents)} latents but its projection_frame_count says "
                f"{frame_count}: the file is truncated or was edited; project the video again")
        if identical_rows:
            differing = np.flatnonzero(np.any(latents != latents[:, :1], axis=(1, 2)))
            if differing.size:
                raise ProjectionFileError(
                    f"{path}: {FINAL_LATENTS}_{differing[0]} has differing W+ rows, but GANce "
                    f"projections repeat one W on every row; if this is a W+ projection set "
                    f"[latents.projection] identical_rows = false")
        return cls(path, latents, fps, attributes, target_count)

    @staticmethod
    def write(path: str | Path, latents: np.ndarray, fps: float,
              target_images: np.ndarray | None = None, final_images: np.ndarray | None = None,
              original_fps: float | None = None, complete: bool = True,
              version: int = WRITTEN_VERSION, **attributes: Any) -> Path:
        """Write a projection in GANce's layout and attributes; returns the path.

        ``latents`` is [N, num_ws, 512] (each stored as GANce's (1, num_ws, 512));
        ``target_images`` / ``final_images`` are [N, H, W, 3] uint8. ``attributes`` override
        or add root attributes (for tests of broken files: ``projection_frame_count=...``).
        """
        path = Path(path)
        latents = np.asarray(latents, dtype=np.float32)
        assert latents.ndim == 3 and latents.shape[2] == W_DIM, latents.shape
        assert version in SUPPORTED_VERSIONS, version
        count = latents.shape[0]
        images = {TARGET_IMAGES: target_images, FINAL_IMAGES: final_images}
        for name, stack in images.items():
            assert stack is None or (stack.shape[0] == count and stack.shape[3] == 3
                                     and stack.dtype == np.uint8), name
        height_width = next((s.shape[1:3] for s in images.values() if s is not None), (0, 0))
        root = root_attributes(count, height_width, fps, original_fps, complete, version)
        root.update(attributes)
        with h5py.File(path, "w") as f:
            start_layout(f, root)
            for index in range(count):
                write_dataset(f, FINAL_LATENTS, index, latents[index][None])
                for name, stack in images.items():
                    if stack is not None:
                        write_dataset(f, name, index, stack[index])
        return path


def root_attributes(count: int, height_width: tuple[int, int], fps: float,
                    original_fps: float | None = None, complete: bool = True,
                    version: int = WRITTEN_VERSION) -> dict[str, Any]:
    """GANce's root attributes of a projection of ``count`` frames of ``height_width``, with
    empty provenance (paths, hashes) for the writer to fill in."""
    network_key = "network" if version == 2 else "model"
    return {
        "version_number": version, "complete": complete,
        "original_target_path": "", "original_width_height": np.array(height_width[::-1]),
        "projection_width_height": np.array(height_width[::-1]), "target_md5_hash": "",
        f"original_{network_key}_path": "", f"{network_key}_md5_hash": "",
        "steps_in_projection": 0, "noises_shapes": np.nan,
        "latents_histories_enabled": False, "noises_histories_enabled": False,
        "images_histories_enabled": False,
        "original_fps": float(original_fps if original_fps is not None else fps),
        "projection_fps": float(fps), "original_frame_count": count,
        "projection_frame_count": count,
    }


def start_layout(f: h5py.File, root: dict[str, Any]) -> None:
    """A new file's root attributes and GANce's top-level groups (it always creates every
    one, filled or not)."""
    f.attrs.update(root)
    for name in (TARGET_IMAGES, FINAL_LATENTS, FINAL_IMAGES, *HISTORY_GROUPS):
        f.create_group(name)


def write_dataset(f: h5py.File, group: str, index: int, data: np.ndarray) -> None:
    """Entry ``{group}/{group}_{index}``, compressed as GANce compresses it."""
    f[group].create_dataset(f"{group}_{index}", data=data, compression="gzip",
                            compression_opts=COMPRESSION_LEVEL, shuffle=True)


def read_target_image(path: Path, index: int) -> np.ndarray:
    """Target image ``index`` ([H, W, 3] uint8) of the projection at ``path``, read alone
    (the eye overlays read source frames without holding the latents)."""
    name = f"{TARGET_IMAGES}/{TARGET_IMAGES}_{index}"
    with _open_hdf5(path) as f, _reading(path, name):
        return np.asarray(f[name])


def read_attributes(path: Path) -> dict[str, Any]:
    """The root attributes of the projection at ``path`` alone, as plain Python values (the
    eye overlays need its fps and how its video was fitted, not its latents)."""
    with _open_hdf5(path) as f, _reading(path, "the root attributes"):
        return {key: _plain(value) for key, value in f.attrs.items()}


def read_frame_count(path: Path) -> int:
    """How many frames the projection at ``path`` holds, from its entries' names alone
    (a song's eye overlays are checked before its latents are read)."""
    with _open_hdf5(path) as f:
        return len(_latent_names(path, f))


def source_fit(attributes: dict[str, Any]) -> str:
    """How the projected video's frames were fitted to the network's square, ``crop`` or
    ``pad``: as gance-live's projector recorded it; GANce records nothing, and a centred crop
    (the projector's default) is assumed.

    >>> source_fit({SETTINGS_ATTRIBUTE: '{"fit": "pad"}'}), source_fit({})
    ('pad', 'crop')
    """
    try:
        settings = json.loads(attributes.get(SETTINGS_ATTRIBUTE, "{}"))
    except (TypeError, ValueError):
        settings = {}
    fit = settings.get("fit") if isinstance(settings, dict) else None
    return fit if fit in FIT_MODES else "crop"


def _open_hdf5(path: Path) -> h5py.File:
    try:
        return h5py.File(path, "r")
    except OSError as exc:
        raise ProjectionFileError(f"{path}: not a readable HDF5 file ({exc}); the file is "
                                  f"truncated or not a GANce projection: copy it again") from None


@contextmanager
def _reading(path: Path, what: str) -> Iterator[None]:
    """Turn h5py's errors on a damaged part of the file into one line naming that part."""
    try:
        yield
    except ProjectionFileError:
        raise
    except HDF5_ERRORS as exc:
        raise ProjectionFileError(f"{path}: {what} cannot be read ({exc}); the file is "
                                  f"damaged there: copy it again") from None


def _plain(value: Any) -> Any:
    """An HDF5 attribute as a plain Python value (numpy scalars and bytes become int/str...)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.generic):
        return value.item()
    return value


def _check_attributes(path: Path, attributes: dict[str, Any]) -> float:
    """Check the root attributes GANce's reader relies on; returns the projection fps."""
    version = attributes.get("version_number")
    if version not in SUPPORTED_VERSIONS:
        raise ProjectionFileError(
            f"{path}: version_number {version!r} is not a GANce projection version this show "
            f"reads ({', '.join(map(str, SUPPORTED_VERSIONS))}); write it with GANce's "
            f"project-video or ProjectionFile.write")
    if not attributes.get("complete", False):
        raise ProjectionFileError(
            f"{path}: the projection is incomplete (complete = false: GANce stopped before the "
            f"last frame); finish or redo the projection before the show")
    fps = attributes.get("projection_fps")
    if not isinstance(fps, (int, float)) or not math.isfinite(fps) or fps <= 0:
        raise ProjectionFileError(f"{path}: projection_fps is {fps!r}, not a positive number; "
                                  f"a projection of a still image cannot be played in time")
    return float(fps)


def _indexed_names(path: Path, f: h5py.File, group_name: str) -> list[str]:
    """Entry names ``{group}_{i}`` of a group in integer order, checked to run 0..N-1.
    (Names only: building h5py objects for thousands of entries costs seconds.)"""
    indexed: dict[int, str] = {}
    for name in f[group_name].keys():
        prefix, _, suffix = name.rpartition("_")
        if prefix != group_name or not suffix.isdigit():
            raise ProjectionFileError(f"{path}: unexpected entry {group_name}/{name} (GANce "
                                      f"names them {group_name}_0, {group_name}_1, ...)")
        indexed[int(suffix)] = name
    missing = next((i for i in range(len(indexed)) if i not in indexed), None)
    if missing is not None:
        raise ProjectionFileError(f"{path}: {group_name}/{group_name}_{missing} is missing "
                                  f"(indices must run 0..{len(indexed) - 1}); the file is damaged")
    return [indexed[i] for i in range(len(indexed))]


def _latent_names(path: Path, f: h5py.File) -> list[str]:
    """The names of the projection's latents, in frame order."""
    with _reading(path, f"the {FINAL_LATENTS} group"):
        if FINAL_LATENTS not in f or not isinstance(f[FINAL_LATENTS], h5py.Group):
            raise ProjectionFileError(f"{path}: no '{FINAL_LATENTS}' group: not a GANce "
                                      f"projection file")
        return _indexed_names(path, f, FINAL_LATENTS)


def _read_latents(path: Path, f: h5py.File) -> np.ndarray:
    names = _latent_names(path, f)
    group = f[FINAL_LATENTS]
    if not names:
        raise ProjectionFileError(f"{path}: '{FINAL_LATENTS}' is empty: nothing was projected")
    with _reading(path, f"{FINAL_LATENTS}/{names[0]}"):
        first_shape = group[names[0]].shape
    if len(first_shape) != 3 or first_shape[0] != 1 or first_shape[2] != W_DIM:
        raise ProjectionFileError(f"{path}: {FINAL_LATENTS}/{names[0]} has shape {first_shape}, "
                                  f"expected (1, num_ws, {W_DIM}) as GANce writes it")
    latents = np.empty((len(names), first_shape[1], W_DIM), np.float32)
    for index, name in enumerate(names):
        with _reading(path, f"{FINAL_LATENTS}/{name}"):
            dataset = group[name]
            if not isinstance(dataset, h5py.Dataset) or dataset.shape != first_shape \
                    or dataset.dtype.kind != "f":
                found = f"{dataset.dtype} {dataset.shape}" \
                    if isinstance(dataset, h5py.Dataset) else "a group"
                raise ProjectionFileError(
                    f"{path}: {FINAL_LATENTS}/{name} is {found}, expected float {first_shape} "
                    f"like {names[0]}; the file is damaged")
            dataset.read_direct(latents, dest_sel=np.s_[index:index + 1])
    if (bad := first_out_of_range(latents)) is not None:
        index, problem = bad
        raise ProjectionFileError(f"{path}: {FINAL_LATENTS}_{index} {problem}: the projection "
                                  f"diverged there: project that frame again")
    return latents
