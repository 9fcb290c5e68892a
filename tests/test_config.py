"""Show files: every problem is one line naming the file, the key and what is expected."""

from pathlib import Path

import pytest

from live.compositor.config import check_ndi_config_dir
from live.config import Config, ConfigError, describe, load_config
from tests.support.showrun import run_cli

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path, text):
    path = tmp_path / "show.toml"
    path.write_text(text)
    return path


def test_shipped_configs_load():
    cfg = load_config(ROOT / "config" / "demo.toml")
    assert cfg.networks.files[0] == "demo:0" and cfg.audio.source == "demo"
    for path in (ROOT / "config").glob("*.toml"):
        load_config(path)


@pytest.mark.parametrize("text, message", [
    ("[show]\nfps = 0\n", "[show] fps: expected a value from 1 to 240, got 0"),
    ("[show]\nfps = 'fast'\n", "[show] fps: expected an integer from 1 to 240, got 'fast'"),
    ("[show]\nspeed = 2\n", "[show] unknown key 'speed' (known keys: fps, seed, name)"),
    ("[audio]\nsource = 'mic'\n", "[audio] source: expected one of 'live', 'file', 'demo'"),
    ("[latents]\nfft_amplitude_range = [1]\n", "fft_amplitude_range: expected a list of 2"),
    ("[output]\nfullscreen = 1\n", "[output] fullscreen: expected true or false, got 1"),
    ("[output]\ncpu_resample = 'yes'\n",
     "[output] cpu_resample: expected \"auto\", true or false, got 'yes'"),
    ("[output]\ncpu_resample = 1\n", "[output] cpu_resample: expected \"auto\", true or false"),
    ("[sound]\nx = 1\n", "top level unknown key 'sound'"),
    ("show = 3\n", "[show]: expected a table, got 3"),
    ("[show\n", "not valid TOML"),
    ("[hardware.cooler]\nenabled = true\nport = ' '\n", "[hardware.cooler] port: empty;"),
    ("[hardware.cooler]\nquiet_ceiling_c = 120\n",
     "[hardware.cooler] quiet_ceiling_c: expected a value from 30 to 100, got 120"),
    ("[telemetry]\nmargin_c = 'x'\n", "[telemetry] margin_c: expected a finite number"),
])
def test_bad_values_are_named(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value).startswith(str(path) + ": ")
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_missing_file_and_relative_paths(tmp_path):
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "nope.toml")
    cfg = load_config(write(tmp_path, "[audio]\nfile = 'loops/a.wav'\n"))
    assert cfg.resolve(cfg.audio.file) == (tmp_path / "loops" / "a.wav").resolve()


def test_overrides_are_validated_like_the_file(tmp_path):
    path = write(tmp_path, "")
    assert load_config(path, {"show.fps": 24}).show.fps == 24
    with pytest.raises(ConfigError, match=r"\[show\] fps"):
        load_config(path, {"show.fps": -1})
    nested = load_config(path, {"control.midi.maps": ["midi/generic.toml"]})
    assert nested.control.midi.maps == ["midi/generic.toml"]
    with pytest.raises(ConfigError, match=r"\[control.midi\] unknown key 'mapz'"):
        load_config(path, {"control.midi.mapz": []})


def test_every_key_is_documented():
    rows = describe(Config)
    assert len(rows) > 20
    assert all(help_text for _, _, help_text in rows)


def test_cli_reports_bad_config_in_one_line_with_status_2(tmp_path):
    path = write(tmp_path, "[engine]\nslots = 1\n")
    result = run_cli("check", path)
    assert result.returncode == 2
    assert result.stderr.strip() == (f"gance-live: error: {path}: [engine] slots: expected a "
                                      f"value from 3 to 64, got 1")
    assert "Traceback" not in result.stderr
    missing = run_cli("check", tmp_path / "x.toml")
    assert missing.returncode == 2 and "no such config file" in missing.stderr


@pytest.mark.parametrize("content, message", [
    (None, "no such NDI configuration file (the folder must hold NDI's ndi-config.v1.json"),
    ("[1, 2]", 'expected an object with an "ndi" object'),
    ('{"networks": {"ips": "127.0.0.1"}}', 'expected an object with an "ndi" object'),
])
def test_ndi_settings_are_checked_as_ndi_reads_them(tmp_path, content, message):
    if content is not None:
        (tmp_path / "ndi-config.v1.json").write_text(content)
    with pytest.raises(ConfigError) as error:
        check_ndi_config_dir(tmp_path, "show.toml: [output.ndi] config_dir")
    assert str(error.value).startswith(f"show.toml: [output.ndi] config_dir: {tmp_path}")
    assert message in str(error.value)


def test_ndi_settings_ndi_reads_are_taken(tmp_path):
    (tmp_path / "ndi-config.v1.json").write_text('{"ndi": {"networks": {"ips": "127.0.0.1"}}}')
    assert check_ndi_config_dir(tmp_path, "show.toml: [output.ndi] config_dir") == tmp_path
