"""``midi-learn`` driven through stdin with a real controller port, ``osc-doc``,
``parameters`` (and the README's copy of it), port lists."""

from __future__ import annotations

import argparse
import queue
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from live.control.cli import list_midi_ports, register
from live.contracts.shipped import MIDI_MAP_DIR
from live.control.midi import MidiMap
from live.control.osc import address_tree
from live.contracts.parameters import PARAMETERS

from tests.control.conftest import REPO, FakeController, wait_for
from tests.support.showrun import run_cli


class LearnSession:
    """``gance-live midi-learn`` in a child process, read line by line."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "live", "midi-learn", "--api", "jack", *args],
            cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, bufsize=1)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def expect(self, start: str, timeout: float = 10.0) -> str:
        """Lines up to the first that starts with ``start``; that line."""
        seen = []
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"no line starting {start!r}; got {seen}") from None
            seen.append(line)
            if line.startswith(start):
                return line

    def answer(self, text: str) -> None:
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()


def test_midi_learn_binds_moved_controls_to_typed_parameters(jack_server, tmp_path):
    out = tmp_path / "mine.toml"
    with FakeController("My Box") as box:
        session = LearnSession("--port", "my box", "--out", str(out))
        try:
            assert box.source in session.expect("Listening to:")
            session.expect("Move a control")
            for value in (10, 20, 30):   # a fader's burst is one control
                box.send([0xB2, 7, value])
            assert session.expect("cc 7 on channel 3: what should it do?")
            session.answer("volume")     # not a parameter: asked again
            assert "unknown parameter 'volume'" in session.expect("  unknown")
            session.expect("cc 7 on channel 3")
            session.answer("gain")
            assert session.expect("cc 7 (channel 3): sets gain from 0 to 1; saved to")
            session.expect("Move a control")
            box.send([0x92, 40, 100])
            box.send([0x82, 40, 0])
            session.expect("note 40 on channel 3")
            session.answer("network 2")
            session.expect("note 40 (channel 3): sets network to 2")
            session.expect("Move a control")
            session.answer("q")
            assert session.expect("2 binding(s) learned into").endswith(str(out))
            assert session.process.wait(timeout=10) == 0
        finally:
            session.process.kill()
    learned = MidiMap.load(out)
    assert learned.port == "my box"
    assert learned.translate([0xB2, 7, 64]) == [("gain", 64 / 127)]
    assert learned.translate([0x92, 40, 1]) == [("network", 2.0)]


def test_midi_learn_without_a_matching_port_says_so_and_exits_2(jack_server, tmp_path):
    result = run_cli("midi-learn", "--api", "jack", "--port", "no such controller",
                     "--out", tmp_path / "x.toml")
    assert result.returncode == 2
    assert "no jack MIDI input port contains 'no such controller'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.toml").exists()


def run_command(*argv: str) -> int:
    """One of this concern's commands, run in this process as ``gance-live`` would."""
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_midi_learn_into_a_broken_map_names_the_file(tmp_path, capsys):
    broken = tmp_path / "broken.toml"
    broken.write_text("channel = 99\n")
    assert run_command("midi-learn", "--api", "jack", "--out", str(broken)) == 2
    assert capsys.readouterr().err.strip() == (
        f"midi-learn: {broken}: top level: channel: expected a channel from 1 to 16, got 99")


def test_midi_learn_never_writes_into_a_shipped_map(capsys):
    shipped = MIDI_MAP_DIR / "generic.toml"
    assert run_command("midi-learn", "--api", "jack", "--out", str(shipped)) == 2
    assert capsys.readouterr().err.strip() == (
        f"midi-learn: {shipped}: a map shipped with gance-live is never learned into; learn "
        f"into a file of your own (e.g. --out my-generic.toml)")


def test_osc_doc_prints_every_address(capsys):
    assert run_command("osc-doc") == 0
    printed = capsys.readouterr().out
    for row in address_tree():
        assert row.address in printed
    for address in ("/live/gain", "/live/network", "/live/crossfade", "/live/blackout"):
        assert f"\n{address} " in printed


def test_the_readme_holds_the_tables_parameters_prints(capsys):
    """The README's keys and parameters tables are `gance-live parameters` verbatim: edit the
    declarations in live/contracts/parameters.py and paste the command's output."""
    assert run_command("parameters") == 0
    keys, parameters = capsys.readouterr().out.strip().split("\n\n")
    readme = (REPO / "README.md").read_text()
    assert keys in readme and parameters in readme
    assert all(f"| `{p.name}` |" in parameters for p in PARAMETERS)
    assert "| `B` | toggle blackout" in keys and "| up / down | gain one step" in keys


def test_register_adds_every_command():
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["midi-learn", "--out", "x.toml"])
    assert args.api == "alsa" and args.out == Path("x.toml") and callable(args.func)
    assert callable(parser.parse_args(["osc-doc"]).func)
    assert callable(parser.parse_args(["parameters"]).func)


def test_list_midi_ports_shows_a_plugged_controller(jack_server):
    with FakeController("Launch Control XL") as lcxl:
        assert wait_for(lambda: lcxl.source in list_midi_ports("jack"))
        assert f"{lcxl.source} [jack]" in list_midi_ports()


def test_list_midi_ports_of_a_missing_system_is_empty(monkeypatch):
    monkeypatch.setenv("JACK_DEFAULT_SERVER", "no-such-jack-server")
    assert list_midi_ports("jack") == []


def test_list_midi_ports_without_an_alsa_sequencer_is_empty():
    if Path("/dev/snd/seq").exists():
        pytest.skip("this machine has an ALSA sequencer")
    assert list_midi_ports("alsa") == []
