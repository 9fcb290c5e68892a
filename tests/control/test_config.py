"""The ``[control]`` section through the real config loader."""

from __future__ import annotations

import re

import pytest

from live.config import Config, ConfigError, describe, load_config

from tests.control.conftest import REPO


def write_show(tmp_path, control: str):
    path = tmp_path / "show.toml"
    path.write_text('[networks]\nfiles = ["demo:0"]\n' + control)
    return path


def test_control_tables_load_into_typed_fields(tmp_path):
    cfg = load_config(write_show(tmp_path, """
[control.midi]
api = "jack"
maps = ["midi/akai-apc-mini.toml", "midi/generic.toml"]
ports = ["", "My Keys"]

[control.osc]
host = "0.0.0.0"
send_port = 9000
"""))
    assert cfg.control.midi.api == "jack"
    assert cfg.control.midi.ports == ["", "My Keys"]
    assert cfg.control.osc.send_port == 9000 and cfg.control.osc.port == 8000
    assert cfg.resolve(cfg.control.midi.maps[0]) == tmp_path / "midi" / "akai-apc-mini.toml"


@pytest.mark.parametrize("control,problem", [
    ('[control.midi]\napi = "coremidi"\n', "[control.midi] api: expected one of 'alsa', 'jack'"),
    ('[control.osc]\nport = 70000\n', "[control.osc] port: expected a value from 0 to 65535"),
    ('[control.midi]\nmaps = "midi/generic.toml"\n', "[control.midi] maps: expected a list"),
    ('[control.midi]\nchannel = 1\n', "[control.midi] unknown key 'channel'"),
])
def test_bad_control_keys_name_the_key(tmp_path, control, problem):
    with pytest.raises(ConfigError, match=re.escape(problem)):
        load_config(write_show(tmp_path, control))


def test_every_control_key_is_documented():
    rows = {key: help for key, _, help in describe(Config) if key.startswith("control.")}
    assert {"control.midi.maps", "control.midi.api", "control.osc.port",
            "control.osc.send_port", "control.keyboard"} <= set(rows)
    assert all(rows.values())


def test_the_shipped_maps_resolve_from_the_config_folder():
    cfg = load_config(REPO / "config" / "demo.toml")
    assert cfg.resolve("midi/generic.toml").is_file()
