"""``gance-live upscale`` and ``gance-live monitors`` as a user runs them."""

import cv2
import numpy as np

from live.compositor.catmull_rom import catmull_rom_resize
from tests.support.showrun import run_cli


def test_upscale_writes_the_bicubic_image(tmp_path):
    image = np.random.default_rng(0).integers(0, 256, (24, 32, 3), np.uint8)
    cv2.imwrite(str(tmp_path / "in.png"), image)
    result = run_cli("upscale", tmp_path / "in.png", tmp_path / "out.png", "--size", "64x48")
    assert result.returncode == 0, result.stderr
    written = cv2.imread(str(tmp_path / "out.png"))
    assert written.shape == (48, 64, 3)
    assert np.abs(written.astype(int) - catmull_rom_resize(image, (48, 64))).max() <= 1


def test_upscale_bad_input_is_one_line_and_status_2(tmp_path):
    result = run_cli("upscale", tmp_path / "missing.png", tmp_path / "out.png", "--size", "64x48")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "missing.png: no such image file" in result.stderr
    result = run_cli("upscale", tmp_path / "missing.png", tmp_path / "out.png", "--size", "64")
    assert result.returncode == 2 and "expected WIDTHxHEIGHT" in result.stderr


def test_monitors_lists_the_virtual_screen(x_display):
    result = run_cli("monitors", display=x_display)
    assert result.returncode == 0
    assert result.stdout.strip() == "0: 'screen' 640x360 0 Hz at (0, 0)"
