"""benchmarks/gpu_check.sh runs in one call and prints its one table (here its CPU self-test)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_gpu_check_self_test_prints_every_row():
    result = subprocess.run([ROOT / "benchmarks" / "gpu_check.sh", "--device", "cpu", "--small"],
                            env=dict(os.environ, PYTHON=sys.executable), capture_output=True,
                            text=True, timeout=900, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    table = result.stdout[result.stdout.index("| check | result |"):].split("== ")[0]
    cells = [[cell.strip() for cell in line.strip().strip("|").split("|")]
             for line in table.strip().splitlines()[2:]]
    rows = dict(cells)
    assert rows["PSNR fp32 cpu vs CPU fp32"] == "inf dB (worst of 2)"   # the same maths
    assert rows["PSNR fp16 vs CPU fp32"].startswith("n/a")
    assert "FPS, p50" in rows["frame path batch 1, fp32"]
    assert rows["frame path, CUDA graph on vs off"] == "n/a (no CUDA)"
    for batch in (1, 4, 8):
        assert "FPS, p50" in rows[f"synthesis batch {batch}"]
    for count in (1, 2, 3):
        assert "FPS in all" in rows[f"{count} worker(s) on one cpu"]
    engine = rows["engine headless 60 fps, 2 CPU workers"]
    assert "fps shown" in engine and "latency p50" in engine, engine
    (egl,) = [value for name, value in rows.items() if name.startswith("EGL bicubic 64²")]
    assert "ms upload + draw" in egl
