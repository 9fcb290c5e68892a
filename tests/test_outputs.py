"""No file is ever destroyed: outputs never overwrite inputs, never leave out/, never
overwrite each other, and a kill mid-write leaves the old file whole."""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from pathlib import Path

import pytest
from pythonosc.osc_message_builder import build_msg

from live.contracts.shm import leftover_segments
from tests.support.showrun import free_udp_port, make_show, run_cli, start_cli, wait_for_frames

SHM = Path("/dev/shm")


@pytest.fixture
def show(tmp_path: Path) -> Path:
    return make_show(tmp_path)


def assert_refused(result, *named: str) -> str:
    """Exit 2 with exactly one line, before anything started; returns the line."""
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("gance-live: error: "), result.stderr
    assert result.stdout == ""
    for name in named:
        assert name in lines[0], lines[0]
    return lines[0]


def partials(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.partial"))


@pytest.mark.parametrize("flag,input_name", [
    ("--out", "loop.wav"), ("--out", "show.toml"), ("--out", "net.safetensors"),
    ("--log-events", "show.toml"), ("--frame-log", "loop.wav")])
def test_an_output_that_is_an_input_is_refused_and_left_byte_identical(
        show: Path, flag: str, input_name: str) -> None:
    victim = show.parent / input_name
    before = victim.read_bytes()
    result = run_cli("run", show, "--headless", "--seconds", 2, flag, victim)
    assert_refused(result, str(victim), "would overwrite")
    assert victim.read_bytes() == before
    assert partials(show.parent) == []


def test_an_output_reaching_an_input_through_a_link_is_refused(show: Path) -> None:
    audio = show.parent / "loop.wav"
    before = audio.read_bytes()
    (show.parent / "alias.wav").symlink_to(audio)
    result = run_cli("render", show, "--audio", audio, "--out", show.parent / "alias.wav")
    assert_refused(result, "alias.wav", "the audio file")
    assert audio.read_bytes() == before


def test_an_output_that_is_a_folder_or_another_output_is_refused(show: Path) -> None:
    folder = show.parent / "recordings"
    folder.mkdir()
    assert_refused(run_cli("run", show, "--headless", "--seconds", 1, "--out", folder),
                   "recordings: is a folder")
    same = show.parent / "log.jsonl"
    assert_refused(run_cli("run", show, "--headless", "--seconds", 1, "--frame-log", same,
                           "--log-events", same), "the frame log and the event log")
    assert list(folder.iterdir()) == [] and not same.exists()


def test_a_show_name_cannot_put_files_outside_out(tmp_path: Path) -> None:
    show = make_show(tmp_path)
    cwd = tmp_path / "a" / "b" / "stage"
    cwd.mkdir(parents=True)
    before = set(tmp_path.rglob("*"))
    result = run_cli("run", show, "--headless", "--seconds", 1, "--set", 'show.name="../../x"',
                     cwd=cwd, timeout=240)
    assert result.returncode == 0, result.stderr
    written = {p for p in set(tmp_path.rglob("*")) - before if p.is_file()}
    assert {p.parent for p in written} == {cwd / "out"}, written
    assert sorted(p.suffix for p in written) == [".jsonl", ".mp4"]
    assert all(p.name.startswith("x-") for p in written)


def test_thirty_favourites_are_thirty_files_and_the_event_log_replaces_the_old_one(
        show: Path) -> None:
    cwd, port = show.parent / "stage", free_udp_port()
    cwd.mkdir()
    frames, events = show.parent / "frames.jsonl", show.parent / "events.jsonl"
    events.write_text("an earlier performance\n")
    process = start_cli("run", show, "--headless", "--seconds", 120, "--frame-log", frames,
                        "--log-events", events, "--set", "control.osc.enabled=true",
                        "--set", f"control.osc.port={port}", cwd=cwd)
    try:
        wait_for_frames(frames, 3, process)
        assert events.read_text() == "an earlier performance\n"  # until the show ends
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            for _ in range(30):
                sender.sendto(build_msg("/live/favourite", 1).dgram, ("127.0.0.1", port))
        deadline = time.monotonic() + 60
        while len(list((cwd / "out" / "favourites").glob("*.npy"))) < 30:
            assert time.monotonic() < deadline and process.poll() is None, "favourites missing"
            time.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 0, stderr
    assert len(list((cwd / "out" / "favourites").iterdir())) == 30
    logged = [json.loads(line)["name"] for line in events.read_text().splitlines()]
    assert logged.count("save_favourite") == 30
    assert partials(show.parent) == [] and partials(cwd / "out" / "favourites") == []


def test_a_show_killed_outright_leaves_the_old_event_log_whole(show: Path) -> None:
    frames, events, port = show.parent / "frames.jsonl", show.parent / "events.jsonl", \
        free_udp_port()
    events.write_text("an earlier performance\n")
    # Its own process group, so the kill takes every child with it, as a power cut would.
    process = start_cli("run", show, "--headless", "--seconds", 120, "--frame-log", frames,
                        "--log-events", events, "--set", "control.osc.enabled=true",
                        "--set", f"control.osc.port={port}", new_session=True)
    try:
        wait_for_frames(frames, 3, process)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            for gain in (0.1, 0.2, 0.3):
                sender.sendto(build_msg("/live/gain", gain).dgram, ("127.0.0.1", port))
        deadline = time.monotonic() + 60
        while not partials(show.parent) or partials(show.parent)[0].read_text().count("\n") < 3:
            assert time.monotonic() < deadline and process.poll() is None, "events not logged"
            time.sleep(0.1)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        process.kill()
        for name in leftover_segments(process.pid):  # the killed owner could not remove them
            (SHM / name).unlink(missing_ok=True)
    assert events.read_text() == "an earlier performance\n"
    [partial] = partials(show.parent)
    assert partial.name.startswith(".events.jsonl.")
    # Each event was on disk as soon as it happened: the partial replays up to the kill.
    assert [json.loads(line)["value"] for line in partial.read_text().splitlines()] == \
        pytest.approx([0.1, 0.2, 0.3])


def test_an_atomic_output_keeps_the_mode_a_plain_write_would_give(tmp_path):
    from live.contracts.outputs import atomic_output

    fresh, kept = tmp_path / "fresh.txt", tmp_path / "kept.txt"
    kept.write_text("old")
    kept.chmod(0o640)
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    for target in (fresh, kept):
        with atomic_output(target) as temporary:
            temporary.write_text("new")
    assert fresh.stat().st_mode & 0o777 == plain.stat().st_mode & 0o777
    assert kept.stat().st_mode & 0o777 == 0o640
    assert kept.read_text() == "new"
