"""``gance-live upscale`` and ``gance-live monitors`` as a user runs them."""

import os
import subprocess
import sys

import cv2
import numpy as np

from live.compositor.catmull_rom import catmull_rom_resize


def gance_live(*args, env=None):
    return subprocess.run([sys.executable, "-m", "live", *map(str, args)], capture_output=True,
                          text=True, timeout=120, env=env)


def test_upscale_writes_the_bicubic_image(tmp_path):
    image = np.random.default_rng(0).integers(0, 256, (24, 32, 3), np.uint8)
    cv2.imwrite(str(tmp_path / "in.png"), image)
    result = gance_live("upscale", tmp_path / "in.png", tmp_path / "out.png", "--size", "64x48")
    assert result.returncode == 0, result.stderr
    written = cv2.imread(str(tmp_path / "out.png"))
    assert written.shape == (48, 64, 3)
    assert np.abs(written.astype(int) - catmull_rom_resize(image, (48, 64))).max() <= 1


def test_upscale_bad_input_is_one_line_and_status_2(tmp_path):
    result = gance_live("upscale", tmp_path / "missing.png", tmp_path / "out.png", "--size", "64x48")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "missing.png: no such image file" in result.stderr
    result = gance_live("upscale", tmp_path / "missing.png", tmp_path / "out.png", "--size", "64")
    assert result.returncode == 2 and "expected WIDTHxHEIGHT" in result.stderr


def test_monitors_lists_the_virtual_screen(x_display):
    result = gance_live("monitors", env={**os.environ, "DISPLAY": x_display})
    assert result.returncode == 0
    assert result.stdout.strip() == "0: 'screen' 640x360 0 Hz at (0, 0)"
