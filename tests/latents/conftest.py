"""Shared pieces of the latents tests: a stand-in mapping network and GANce-written files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest

W_DIM = 512


class LinearMapping:
    """A stand-in for a mapping network: W = tanh(z @ M) * 2 + offset, counting its calls."""

    def __init__(self, seed: int = 1) -> None:
        rng = np.random.default_rng(seed)
        self.matrix = (rng.standard_normal((W_DIM, W_DIM)) / np.sqrt(W_DIM)).astype(np.float32)
        self.offset = rng.standard_normal(W_DIM).astype(np.float32) * 0.1
        self.calls = 0

    def __call__(self, z: np.ndarray) -> np.ndarray:
        assert z.ndim == 2 and z.shape[1] == W_DIM and z.dtype == np.float32
        self.calls += 1
        return (np.tanh(z @ self.matrix) * 2 + self.offset).astype(np.float32)


@pytest.fixture
def mapping() -> LinearMapping:
    return LinearMapping()


def gance_attributes(frame_count: int, projection_fps: float, version: int = 1,
                     complete: bool = True) -> dict[str, Any]:
    """Root attributes as GANce's ProjectionAttributes.to_dict() writes them for a video."""
    network = "model" if version == 1 else "network"
    return {
        "version_number": version, "complete": complete,
        "original_target_path": "/videos/dance.mp4", "original_width_height": (64, 48),
        "projection_width_height": (64, 48), "target_md5_hash": "0" * 32,
        f"original_{network}_path": "/models/faces.pkl", f"{network}_md5_hash": "f" * 32,
        "steps_in_projection": 1000, "noises_shapes": np.nan,
        "latents_histories_enabled": True, "noises_histories_enabled": False,
        "images_histories_enabled": False, "original_fps": 30.0,
        "projection_fps": float(projection_fps), "original_frame_count": frame_count,
        "projection_frame_count": frame_count,
    }


def write_gance_file(path: Path, latents: np.ndarray, fps: float, version: int = 1,
                     images: np.ndarray | None = None, **overrides: Any) -> Path:
    """A projection file written step by step as GANce's project_video_to_file does: every
    top-level group created first, then per frame the target image, the final latents
    (1, num_ws, 512) and the final image, each gzip-9 + shuffle, at GANce's own dataset path
    ``/{group.name}/{group.name}_{i}`` (which HDF5 normalises to /group/group_i)."""
    attributes = gance_attributes(len(latents), fps, version)
    attributes.update(overrides)
    with h5py.File(path, "w") as f:
        f.attrs.update({**attributes, "complete": False})
        per_frame = [f.create_group(n) for n in ("target_images", "final_latents", "final_images")]
        for name in ("latents_histories", "images_histories", "noises_histories"):
            f.create_group(name)
        for index, latent in enumerate(latents):
            image = images[index] if images is not None else np.zeros((48, 64, 3), np.uint8)
            for group, data in zip(per_frame, (image, latent[None].astype(np.float32), image)):
                group.create_dataset(f"/{group.name}/{group.name}_{index}", data=data,
                                     compression="gzip", compression_opts=9, shuffle=True)
        f.attrs.update(attributes)
    return path


def w_rows(count: int, num_ws: int, seed: int = 0) -> np.ndarray:
    """``count`` GANce-style latents: one random W repeated on every row, [count, num_ws, 512]."""
    w = np.random.default_rng(seed).standard_normal((count, W_DIM)).astype(np.float32)
    return np.repeat(w[:, None, :], num_ws, axis=1)
