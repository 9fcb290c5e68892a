"""The command line: help that teaches, devices, keys."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def gance(*args):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(Path.home())}
    return subprocess.run([sys.executable, "-m", "live", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_help_lists_every_command_and_first_steps():
    result = gance("--help")
    assert result.returncode == 0
    for command in ("demo", "run", "render", "check", "keys", "devices", "convert", "bench",
                    "midi-learn", "osc-doc", "monitors", "cooler",
                    "project", "overlays"):
        assert command in result.stdout
    assert "first steps:" in result.stdout


def test_devices_lists_every_kind_of_device_and_degrades_without_hardware():
    result = gance("devices")
    assert result.returncode == 0, result.stderr
    for section in ("Audio (sounddevice)", "MIDI inputs", "Monitors", "GPUs", "Cameras"):
        assert section in result.stdout
    assert "Monitors: none (no display)" in result.stdout      # no DISPLAY in this env
    assert "Traceback" not in result.stderr


def test_keys_prints_every_section_with_defaults():
    result = gance("keys")
    assert result.returncode == 0
    for section in ("[show]", "[engine]", "[networks]", "[audio]", "[latents]", "[output]",
                    "[control]"):
        assert section in result.stdout
    assert "fps = 30" in result.stdout


def test_no_command_prints_help_and_fails():
    result = gance()
    assert result.returncode == 2 and "usage:" in result.stdout


def test_headless_run_needs_seconds():
    result = gance("run", "config/demo.toml", "--headless")
    assert result.returncode == 2
    assert result.stderr.strip() == ("gance-live: error: --headless needs --seconds S "
                                     "(a headless show has no window to close)")


def test_check_validates_what_run_would_refuse(tmp_path):
    ok = gance("check", "config/demo.toml")
    assert ok.returncode == 0 and "ok: 4 networks" in ok.stdout
    projection = gance("check", "config/demo.toml", "--set", 'latents.source="projection"',
                       "--set", f'latents.projection.file="{tmp_path / "gone.hdf5"}"')
    assert projection.returncode == 2
    assert "gone.hdf5: no such projection file" in projection.stderr
    midi_map = gance("check", "config/demo.toml",
                     "--set", f'control.midi.maps=["{tmp_path / "nano.toml"}"]')
    assert midi_map.returncode == 2 and "nano.toml: no such MIDI map" in midi_map.stderr
