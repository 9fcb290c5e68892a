"""The host and a firmware process (the firmware's loop in MicroPython's VM) over a real
pseudo-terminal pair: statuses and hints both ways, garbage on the line, the cable pulled
mid-frame, and a reconnect on the same port name; then `gance-live cooler` on it."""

import os
import signal
import time

import pytest

from live.hardware import protocol
from live.hardware.link import CoolerLink
from tests.support.showrun import run_cli
from tests.hardware.micropython import FirmwareOnPty, celsius_to_raw


def wait_for(what, timeout: float = 30.0, message: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = what()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(message or f"timed out waiting for {what}")


def test_host_and_firmware_over_a_pty_through_garbage_a_pulled_cable_and_a_reconnect(tmp_path):
    port = tmp_path / "ttyCOOLER"
    warm = {"adc": [celsius_to_raw(45.0), celsius_to_raw(60.0)], "max_rpm": [4000, 3000]}
    firmware = FirmwareOnPty(tmp_path, port, warm)
    try:
        with CoolerLink(str(port), hint=protocol.QUIET, ceiling_c=70) as link:
            # The firmware hears the hint (it reports the one it obeys) and reports its GPUs.
            status = wait_for(lambda: (s := link.status()) and s.hint == protocol.QUIET and s,
                              message=f"no status obeying the hint: {link.problem}")
            (t0, duty0, rpm0), (t1, duty1, _) = status.channels
            assert t0 == pytest.approx(45.0, abs=0.05) and t1 == pytest.approx(60.0, abs=0.05)
            assert status.flags == 0 and duty0 <= 1.0
            wait_for(lambda: link.status().channels[0][2] > 0, message="no tach rpm")
            # Quiet: the fans ease down to the quiet cap (they started full).
            link.set_hint(protocol.NORMAL)
            wait_for(lambda: link.status().hint == protocol.NORMAL)

            # Garbage on the line, a sync pair and a broken frame among it: dropped, and the
            # statuses go on.
            noise = b"\x00\xffnoise\xa5\x5a\x01\x02\x07\x00broken" + os.urandom(64)
            firmware.inject(noise)
            seen = link.status().time
            wait_for(lambda: link.dropped >= len(noise) // 2 and link.status()
                     and link.status().time > seen, message="statuses stopped after noise")

            # The cable is pulled in the middle of a frame: the link says so, and goes on.
            half = protocol.encode_status(0, 0, [(50.0, 0.5, 1000)] * 2)[:7]
            firmware.pull_cable(half)
            wait_for(lambda: link.problem.startswith("lost") or
                     link.problem.startswith("no serial port"), message="the loss went unseen")
            wait_for(lambda: link.status() is None, timeout=10)
            text, is_warning = link.describe()
            assert is_warning and text.startswith("cooler: ") and str(port) in text

            # Plugged back in (same name, new device), now with GPU1's thermistor unplugged.
            lost_sensor = {"adc": [celsius_to_raw(45.0), 0], "max_rpm": [4000, 3000]}
            firmware = FirmwareOnPty(tmp_path, port, lost_sensor)
            status = wait_for(lambda: (s := link.status()) and s.channels[1][0] is None and s,
                              message=f"no reconnect: {link.problem}")
            assert link.connections == 2 and link.problem == ""
            assert status.flags & protocol.FLAG_SENSOR_LOST and status.channels[1][1] == 1.0
            text, is_warning = link.describe()
            assert is_warning and "SENSOR LOST" in text and text.startswith("cooler: 45.0C")
        # The command line on the same port.
        result = run_cli("cooler", "--port", port, "--hint", "quiet", "--seconds", 3, timeout=60)
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert lines and "cooler: 45.0C" in lines[-1] and "quiet" in lines[-1], result.stdout
    finally:
        firmware.close()
    assert firmware.process.returncode == -signal.SIGKILL    # it ran until killed
