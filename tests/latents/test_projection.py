"""Reading and writing GANce projection files, and refusing broken ones with clear messages."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest

from live.contracts.errors import ConfigError
from live.latents.projection import ProjectionFile, ProjectionFileError
from tests.latents.conftest import write_gance_file, w_rows


@pytest.mark.parametrize("version", [1, 2])
def test_reads_gance_layout_in_integer_order(tmp_path: Path, version: int) -> None:
    # 12 frames: a name sort would put final_latents_10 before final_latents_2.
    latents = w_rows(12, 18)
    images = np.random.default_rng(3).integers(0, 256, (12, 48, 64, 3), dtype=np.uint8)
    path = write_gance_file(tmp_path / "p.hdf5", latents, 15.0, version=version, images=images)

    pf = ProjectionFile.open(path)

    assert len(pf) == 12 and pf.num_ws == 18 and pf.fps == 15.0
    assert pf.latents.dtype == np.float32 and pf.latents.shape == (12, 18, 512)
    np.testing.assert_array_equal(pf.latents, latents)
    np.testing.assert_array_equal(pf.target_image(10), images[10])
    assert pf.attributes["version_number"] == version
    assert pf.attributes["steps_in_projection"] == 1000


def test_target_image_is_none_without_images_and_index_is_checked(tmp_path: Path) -> None:
    path = ProjectionFile.write(tmp_path / "p.hdf5", w_rows(3, 4), fps=10.0)
    pf = ProjectionFile.open(path)
    assert pf.target_image(2) is None
    with pytest.raises(IndexError):
        pf.target_image(3)


def test_write_produces_gance_layout_and_reads_back(tmp_path: Path) -> None:
    latents = w_rows(5, 8, seed=4)
    images = np.full((5, 6, 10, 3), 7, np.uint8)
    path = ProjectionFile.write(tmp_path / "w.hdf5", latents, fps=12.0, target_images=images,
                                original_fps=24.0)
    with h5py.File(path, "r") as f:
        assert set(f) == {"target_images", "final_latents", "final_images",
                          "latents_histories", "images_histories", "noises_histories"}
        assert f["final_latents/final_latents_4"].shape == (1, 8, 512)
        assert f["final_latents/final_latents_4"].compression == "gzip"
        assert f["target_images/target_images_0"].shape == (6, 10, 3)
        assert len(f["final_images"]) == 0
        assert f.attrs["version_number"] == 2 and bool(f.attrs["complete"])
        assert f.attrs["projection_fps"] == 12.0 and f.attrs["original_fps"] == 24.0
        assert f.attrs["projection_frame_count"] == 5
        assert list(f.attrs["projection_width_height"]) == [10, 6]
        assert "original_network_path" in f.attrs
    pf = ProjectionFile.open(path)
    np.testing.assert_array_equal(pf.latents, latents)
    np.testing.assert_array_equal(pf.target_image(3), images[3])


def _broken(tmp_path: Path, **overrides: object) -> Path:
    return write_gance_file(tmp_path / "bad.hdf5", w_rows(6, 4), 10.0, **overrides)


@pytest.mark.parametrize("overrides, message", [
    ({"complete": False}, "incomplete"),
    ({"version_number": 7}, "version_number 7"),
    ({"projection_fps": 0.0}, "projection_fps"),
    ({"projection_frame_count": 9}, "projection_frame_count says 9"),
    ({"projection_frame_count": "many"}, "projection_frame_count is 'many'"),
])
def test_refuses_files_breaking_gance_assumptions(tmp_path: Path, overrides: dict,
                                                  message: str) -> None:
    path = _broken(tmp_path, **overrides)
    with pytest.raises(ProjectionFileError, match=message) as caught:
        ProjectionFile.open(path)
    assert str(path) in str(caught.value)
    assert isinstance(caught.value, ConfigError)  # the CLI's "refuse to start" path


def test_frame_count_within_two_is_accepted(tmp_path: Path) -> None:
    pf = ProjectionFile.open(_broken(tmp_path, projection_frame_count=8))
    assert len(pf) == 6


def test_refuses_differing_rows_unless_allowed(tmp_path: Path) -> None:
    latents = w_rows(4, 3)
    latents[2, 1] += 1.0
    path = write_gance_file(tmp_path / "wplus.hdf5", latents, 10.0)
    with pytest.raises(ProjectionFileError, match="final_latents_2 has differing W\\+ rows"):
        ProjectionFile.open(path)
    np.testing.assert_array_equal(ProjectionFile.open(path, identical_rows=False).latents, latents)


def test_refuses_truncated_file(tmp_path: Path) -> None:
    path = write_gance_file(tmp_path / "t.hdf5", w_rows(20, 18), 10.0)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ProjectionFileError, match="truncated"):
        ProjectionFile.open(path)


def test_refuses_missing_file_wrong_shape_gap_and_nan(tmp_path: Path) -> None:
    with pytest.raises(ProjectionFileError, match="no such projection file"):
        ProjectionFile.open(tmp_path / "absent.hdf5")

    path = _broken(tmp_path)
    with h5py.File(path, "a") as f:
        del f["final_latents/final_latents_3"]
        f["final_latents"].create_dataset("final_latents_3", data=np.zeros((18, 512), np.float32))
    with pytest.raises(ProjectionFileError, match="final_latents_3 is float32 \\(18, 512\\)"):
        ProjectionFile.open(path)

    path = _broken(tmp_path)
    with h5py.File(path, "a") as f:
        del f["final_latents/final_latents_2"]
    with pytest.raises(ProjectionFileError, match="final_latents_2 is missing"):
        ProjectionFile.open(path)

    path = _broken(tmp_path)
    with h5py.File(path, "a") as f:
        f["final_latents/final_latents_5"][0, 0, 0] = np.nan
    with pytest.raises(ProjectionFileError, match="final_latents_5 holds NaN"):
        ProjectionFile.open(path)

    path = tmp_path / "not_gance.hdf5"
    with h5py.File(path, "w") as f:
        f.attrs.update({"version_number": 1, "complete": True, "projection_fps": 10.0})
    with pytest.raises(ProjectionFileError, match="no 'final_latents' group"):
        ProjectionFile.open(path)
