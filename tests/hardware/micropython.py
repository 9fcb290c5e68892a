"""Running the cooler's firmware: in MicroPython's real VM (its WebAssembly port under node,
from hardware/cooler/tests/node_modules, which `make test` installs), with stand-ins only
for the Pico's pins (hardware/cooler/tests/micropython.mjs); as a firmware process on a
pseudo-terminal for the host to talk to (:class:`FirmwareOnPty`)."""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
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


def celsius_to_raw(celsius: float) -> int:
    """The divider's 16-bit reading at ``celsius`` for the 10 k / beta 3950 NTC (reference)."""
    kelvin = celsius + 273.15
    ntc = 10000 * math.exp(3950 * (1 / kelvin - 1 / 298.15))
    return round(65535 * ntc / (10000 + ntc))


class FirmwareOnPty:
    """A firmware process on the master side of a fresh pseudo-terminal; the host opens the
    slave by ``link`` (a symlink re-pointed at every new pair, as a USB port keeps its name)."""

    def __init__(self, folder: Path, link: Path, pins: dict) -> None:
        self.pins = folder / "pins.json"
        self.pins.write_text(json.dumps(pins))
        self.master, slave = os.openpty()
        os.set_blocking(self.master, False)
        temporary = folder / "link.new"
        temporary.unlink(missing_ok=True)
        temporary.symlink_to(os.ttyname(slave))
        os.replace(temporary, link)
        os.close(slave)   # the host opens it by name
        self.process = subprocess.Popen(
            node_command(HARNESS / "firmware_process.py", "--serial-fd", str(self.master),
                         "--pins", str(self.pins)),
            pass_fds=(self.master,), cwd=HARNESS, stderr=subprocess.PIPE, text=True)

    def inject(self, data: bytes) -> None:
        """Bytes on the line towards the host, between the firmware's own frames."""
        os.write(self.master, data)

    def pull_cable(self, half_frame: bytes) -> None:
        """The firmware stops dead mid-frame and the line goes away."""
        self.stop()
        os.write(self.master, half_frame)
        os.close(self.master)
        self.master = -1

    def stop(self) -> None:
        """Kill the firmware process (it runs for ever), keeping the line."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def close(self) -> None:
        self.stop()
        if self.master >= 0:
            os.close(self.master)
            self.master = -1
