"""Running real shows from tests and benchmarks: the CLI in a subprocess, its closing line,
its frame log, its recording (ffprobe, ffmpeg)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "config" / "demo.toml"


def cli_env(display: str | None = None,
            display_env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a gance-live subprocess: no display unless one is given, as an X
    ``display`` or as the variables a display server gives its clients (``display_env``:
    see ``sway.Desktop.wayland_env``)."""
    env = dict(os.environ)
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    env.pop("PYGLFW_LIBRARY_VARIANT", None)   # glfw's platform follows the display given
    if display:
        env["DISPLAY"] = display
    env.update(display_env or {})
    return env


def scratch_dir() -> Path:
    """A fresh working directory for one gance-live run, so what it writes by default
    (out/NAME-TIME.events.jsonl, out/*.mp4) never lands in the repository."""
    return Path(tempfile.mkdtemp(prefix="gance-live-run-"))


def start_cli(*args: object, display: str | None = None, cwd: Path | None = None,
              new_session: bool = False,
              display_env: dict[str, str] | None = None) -> subprocess.Popen:
    """``gance-live *args`` started in ``cwd`` (default: a fresh scratch folder);
    ``new_session`` gives it its own process group (as a terminal does), so a test can
    signal the whole group like Ctrl-C."""
    return subprocess.Popen([sys.executable, "-m", "live", *map(str, args)],
                            cwd=cwd or scratch_dir(), env=cli_env(display, display_env),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=new_session)


def run_cli(*args: object, timeout: float = 180, display: str | None = None,
            cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "live", *map(str, args)],
                          cwd=cwd or scratch_dir(), env=cli_env(display), capture_output=True,
                          text=True, timeout=timeout)


# The closing line of a show: "gance-live: <why it stopped>: N frames shown, D dropped, S
# skipped[, ...]" (live/cli.py).
SUMMARY = re.compile(r"(\d+) frames shown, (\d+) dropped, (\d+) skipped")


@dataclass(frozen=True)
class ShowCounts:
    """The frames a show counted in its closing line."""

    shown: int
    dropped: int
    skipped: int

    @classmethod
    def parse(cls, output: str) -> ShowCounts | None:
        """The counts of the last closing line in a show's output, None if it printed none."""
        found = SUMMARY.findall(output)
        return cls(*map(int, found[-1])) if found else None


@dataclass(frozen=True)
class HeadlessRun(ShowCounts):
    """A finished headless show: its counts, its frame log and what it printed."""

    rows: list[dict]
    stdout: str
    stderr: str


class ShowFailed(RuntimeError):
    """A show that exited with an error or without its closing line."""


def run_headless(sets: Iterable[str], seconds: float, folder: Path, show: Path = DEMO,
                 name: str = "show", timeout: float = 300) -> HeadlessRun:
    """``gance-live run SHOW --headless`` for ``seconds`` in ``folder``, each of ``sets`` given
    as ``--set``, recording to ``folder/NAME.mp4`` and logging frames to ``folder/NAME.jsonl``.
    Raises :class:`ShowFailed` with the end of its stderr when it fails."""
    log = folder / f"{name}.jsonl"
    result = run_cli("run", show, "--headless", "--seconds", seconds,
                     "--out", folder / f"{name}.mp4", "--frame-log", log,
                     *[arg for value in sets for arg in ("--set", value)],
                     timeout=timeout, cwd=folder)
    counts = ShowCounts.parse(result.stdout)
    if result.returncode != 0 or counts is None:
        raise ShowFailed(f"gance-live run {show.name} exited {result.returncode}: "
                         f"{result.stderr.strip()[-2000:]}")
    return HeadlessRun(counts.shown, counts.dropped, counts.skipped, read_frame_log(log),
                       result.stdout, result.stderr)


def interrupt(process: subprocess.Popen, timeout: float = 60) -> None:
    """Ctrl-C for a show started by :func:`start_cli`, as a performer would end it: SIGINT,
    then wait while it finishes its recording; killed, and the timeout raised, if it hangs."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        raise


def read_frame_log(path: Path) -> list[dict]:
    if not path.exists():
        return []
    lines = path.read_text().splitlines()
    return [json.loads(line) for line in lines if line.endswith("}")]


def wait_for_frames(path: Path, count: int, process: subprocess.Popen, timeout: float = 120,
                    where=lambda row: True) -> list[dict]:
    """Wait until the frame log holds ``count`` rows matching ``where``; fail if the show ends."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = [row for row in read_frame_log(path) if where(row)]
        if len(rows) >= count:
            return rows
        if process.poll() is not None:
            raise AssertionError(f"show ended early ({process.returncode}): "
                                 f"{process.stderr.read()[-2000:]}")
        time.sleep(0.1)
    raise AssertionError(f"fewer than {count} frames after {timeout} s")


def children(parent: int) -> list[int]:
    """The pids of ``parent``'s child processes (started by any of its threads); none once
    it has exited."""
    pids = []
    try:
        for task in Path(f"/proc/{parent}/task").iterdir():
            pids += map(int, (task / "children").read_text().split())
    except FileNotFoundError:
        pass
    return pids


def descendants(parent: int) -> list[int]:
    """The pids of ``parent``'s children, their children, and so on."""
    found = []
    for child in children(parent):
        found += [child, *descendants(child)]
    return found


def running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie holds nothing and counts as gone)."""
    try:
        return "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False


def process_group(pgid: int) -> list[int]:
    """The live processes of process group ``pgid``."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # Fields after the command name: state, ppid, pgrp, ...
            state, _, pgrp = (entry / "stat").read_text().rpartition(")")[2].split()[:3]
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(pgrp) == pgid and state != "Z":
            members.append(int(entry.name))
    return members


SHOW_SHM_PREFIXES = ("/dev/shm/gance_live_", "/dev/shm/sem.mp-")


def shared_memory_of(pids: list[int]) -> set[Path]:
    """The /dev/shm files of a show these processes have mapped: our segments and the
    semaphores (``sem.mp-*``) of Python's multiprocessing queues and events. Files of other
    programs they map (a JACK server's ``jack_db-*``, which outlives any client) are not
    the show's to remove."""
    files = set()
    for pid in pids:
        for line in memory_map(pid).splitlines():
            fields = line.split(maxsplit=5)
            if len(fields) == 6 and fields[5].startswith(SHOW_SHM_PREFIXES) \
                    and not line.endswith("(deleted)"):
                files.add(Path(fields[5]))
    return files


def wait_until_gone(pids: list[int], timeout: float) -> list[int]:
    """Poll until none of ``pids`` is running or ``timeout`` passes; returns those still
    running."""
    deadline = time.monotonic() + timeout
    while (left := [pid for pid in pids if running(pid)]) and time.monotonic() < deadline:
        time.sleep(0.02)
    return left


def command_of(pid: int) -> list[str]:
    """The command line of ``pid``; empty once it has exited (a zombie's too)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")[:-1]
    except (FileNotFoundError, ProcessLookupError):
        return []


def memory_map(pid: int) -> str:
    """``/proc/PID/maps`` (the files ``pid`` has mapped); empty once it has exited."""
    try:
        return Path(f"/proc/{pid}/maps").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return ""


def child_using(parent: int, library: str) -> int:
    """The pid of ``parent``'s child process that has ``library`` mapped (e.g. "libportaudio"
    finds the audio process, "libEGL" a headless compositor, "libglfw" one in a window)."""
    for pid in children(parent):
        if library in memory_map(pid):
            return pid
    raise AssertionError(f"no child of {parent} uses {library}")


def child_running(parent: int, program: str) -> int:
    """The pid of ``parent``'s child process whose command is ``program`` (e.g. "ffmpeg")."""
    for pid in children(parent):
        command = command_of(pid)
        if command and Path(command[0]).name == program:
            return pid
    raise AssertionError(f"no child of {parent} runs {program}")


def kill_child_mid_show(log: Path, library: str, *args: object, frames_before: int = 5
                        ) -> tuple[subprocess.Popen, str, str, float]:
    """Run ``gance-live *args`` (which must write ``log``), SIGKILL its child process that
    uses ``library`` once ``frames_before`` frames were shown, and wait for the show to end.
    Returns the process, its stdout and stderr, and when the child was killed."""
    show = start_cli(*args)
    try:
        wait_for_frames(log, frames_before, show)
        os.kill(child_using(show.pid, library), signal.SIGKILL)
        killed_at = time.monotonic()
        stdout, stderr = show.communicate(timeout=60)
    finally:
        show.kill()
    return show, stdout, stderr, killed_at


def ffprobe(path: Path) -> dict[str, dict]:
    """The first video and audio stream of a media file, keyed "video" / "audio" (frames
    counted)."""
    assert shutil.which("ffprobe"), "ffprobe is not installed (apt-get install ffmpeg)"
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-show_entries",
         "stream=codec_type,codec_name,width,height,pix_fmt,nb_read_frames,duration,"
         "r_frame_rate,avg_frame_rate", "-of", "json", str(path)],
        capture_output=True, text=True, timeout=60, check=True)
    streams = {}
    for stream in json.loads(result.stdout)["streams"]:
        streams.setdefault(stream["codec_type"], stream)
    return streams


def decode_frames(path: Path, width: int, height: int, scale: bool = False,
                  grey: bool = False) -> np.ndarray:
    """Every video frame of a media file decoded by ffmpeg, as ``[n, height, width, 3]``
    uint8 RGB (``[n, height, width]`` with ``grey``). Its frames must be ``width x height``
    unless ``scale`` resizes them to that."""
    resize = ["-vf", f"scale={width}:{height}"] if scale else []
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), *resize, "-f", "rawvideo",
                          "-pix_fmt", "gray" if grey else "rgb24", "-"],
                         capture_output=True, check=True, timeout=120).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, height, width, *(() if grey else (3,)))


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def assert_in_order_and_never_black(rows: list[dict]) -> None:
    indices = [row["index"] for row in rows]
    assert indices == sorted(set(indices)), "a shown frame index went backwards or repeated"
    assert min(row["mean"] for row in rows) > 8, "an all-black frame was shown"


SMALL_SHOW = """\
[show]
name = "rehearsal"
fps = 10
seed = 7

[networks]
files = ["demo:0", "net.safetensors"]

[audio]
source = "file"
file = "loop.wav"
output_device = "none"   # analysed silently, paced by the clock: no sound card needed

[latents]
source = "noise_loop"
stops = 2

[output]
width = 128
height = 128

[control.osc]
enabled = false
"""


def write_loop(path: Path, tones: tuple[float, ...] = (220.0,), amplitude: float = 0.3,
               click: bool = False, rate: int = 22050, samples: int = 44100) -> Path:
    """A wav loop of ``samples`` (2 s) of steady sine ``tones`` (Hz; whole cycles in the loop
    loop seamlessly), ``amplitude`` shared among them; ``click`` adds a 10 ms burst of seeded
    noise at the start of every loop (an onset, quieter in every cell than the tones' peak,
    so the spectrum's running peak holds and the rest of the loop sounds the same each time).
    Tones of whole cycles per analysis hop in a loop of whole hops give the same spectrum
    at every hop."""
    import soundfile

    t = np.arange(samples) / rate
    sound = sum(np.sin(2 * np.pi * f * t) for f in tones) * (amplitude / len(tones))
    if click:
        burst = rate // 100
        sound[:burst] += 0.05 * np.random.default_rng(0).standard_normal(burst)
    soundfile.write(path, sound.astype(np.float32), rate)
    return path


def make_show(folder: Path) -> Path:
    """A small rehearsal show with real input files in ``folder``: show.toml, loop.wav (2 s
    of a 220 Hz tone), net.safetensors (demo network 1 saved the way `convert` saves).
    Returns the show file; vary it with --set."""
    from live.synth import load_network
    from live.synth.cache import save_safetensors

    write_loop(folder / "loop.wav")
    save_safetensors(load_network("demo:1"), folder / "net.safetensors")
    show = folder / "show.toml"
    show.write_text(SMALL_SHOW)
    return show
