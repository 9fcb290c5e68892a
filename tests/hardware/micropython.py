"""Running the cooler's firmware: in MicroPython's real VM (its WebAssembly port under node,
from hardware/cooler/tests/node_modules, which `make test` installs), with stand-ins only
for the Pico's pins (hardware/cooler/tests/micropython.mjs)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIRMWARE = ROOT / "hardware" / "cooler" / "firmware"
HARNESS = ROOT / "hardware" / "cooler" / "tests"
PROTOCOL = ROOT / "live" / "hardware" / "protocol.py"
RUNNER = HARNESS / "micropython.mjs"
# Every file the Pico holds: the firmware and the protocol module shared with the host.
PICO_FILES = sorted(FIRMWARE.glob("*.py")) + [PROTOCOL]


def node_command(script: Path, *options: str) -> list[str]:
    """``node micropython.mjs script`` with the firmware (minus the Pico-only board and
    main) and the stand-in board importable."""
    if shutil.which("node") is None or not (HARNESS / "node_modules").is_dir():
        pytest.fail("node and hardware/cooler/tests/node_modules are needed: run "
                    "`npm ci --prefix hardware/cooler/tests` (make test does)")
    modules = [FIRMWARE / "cooler.py", PROTOCOL, HARNESS / "standin_board.py"]
    return ["node", str(RUNNER), str(script), *map(str, modules), *options]


def run_micropython(script: Path) -> list[dict]:
    """Run ``script`` in the VM; its JSON output lines."""
    result = subprocess.run(node_command(script), capture_output=True, text=True, timeout=120,
                            cwd=HARNESS)
    assert result.returncode == 0, result.stderr[-2000:]
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
