"""On a GPU machine: the telemetry's figures against nvidia-smi's. Skipped without one."""

from __future__ import annotations

import re
import shutil
import subprocess
import time

import pytest

from live.telemetry.gpus import Nvml

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(shutil.which("nvidia-smi") is None, reason="needs nvidia-smi and a GPU"),
]

QUERY = "index,name,temperature.gpu,enforced.power.limit,memory.total"


def nvidia_smi(*args: str) -> str:
    return subprocess.run(["nvidia-smi", *args], capture_output=True, text=True, check=True,
                          timeout=60).stdout


def test_nvml_figures_agree_with_nvidia_smi():
    nvml = Nvml()
    try:
        assert not nvml.missing, nvml.missing
        samples = nvml.sample(time.monotonic())
    finally:
        nvml.close()
    rows = [[field.strip() for field in line.split(",")] for line in
            nvidia_smi(f"--query-gpu={QUERY}", "--format=csv,noheader,nounits").splitlines()]
    slowdowns = [float(c) for c in re.findall(r"GPU Slowdown Temp\s*:\s*([\d.]+) C",
                                                nvidia_smi("-q", "-d", "TEMPERATURE"))]
    assert len(samples) == len(rows) > 0
    for sample, (index, name, temperature, power_limit, memory_total) in zip(samples, rows):
        assert sample.index == int(index) and sample.name == name
        assert abs(sample.temperature_c - float(temperature)) <= 3      # sampled moments apart
        assert abs(sample.power_limit_w - float(power_limit)) <= 1
        assert abs(sample.memory_total_mib - int(memory_total)) <= 1
        assert 0 <= sample.utilisation_pct <= 100 and sample.sm_clock_mhz > 0
    if slowdowns:    # cards that report a slowdown threshold
        assert [s.slowdown_c for s in samples] == slowdowns
