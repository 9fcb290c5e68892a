"""Two monitors for window tests: sway's headless backend with Xwayland (importable by
other test packages).

    from tests.support.sway import SwayUnavailable, sway

    with sway([(1280, 720), (1920, 1080)]) as desktop:   # side by side, left to right
        desktop.wayland_env    # {"WAYLAND_DISPLAY", "XDG_RUNTIME_DIR"}: native Wayland clients
        desktop.x11_env        # {"DISPLAY"}: X11 clients, through sway's Xwayland
        image = desktop.screenshot("HEADLESS-2")   # [h, w, 3] uint8 RGB of one output (grim)
        desktop.views()        # the windows sway manages: output, title, fullscreen

sway refuses to run as root. Run by root, it runs as an unprivileged user made for it
(``gance-sway``, created with ``useradd`` when missing) in a runtime folder of its own
(mode 0700, owned by that user); the clients (the show under test, grim) stay root, which
may open that user's sockets, and sway's Xwayland lets root in (``xhost +si:localuser:root``,
run by sway as it starts). So the tests need nothing of that user but to run sway: it never
reads the repository or its virtual environment. Run by anyone else, sway runs as the
caller. :class:`SwayUnavailable` says why it could not start (a test skips with it).
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import cv2
import numpy as np

SWAY_USER = "gance-sway"
START_SECONDS = 20.0
X11_DISPLAY_FILE = "x11-display"   # sway's Xwayland DISPLAY, written once root may connect


class SwayUnavailable(RuntimeError):
    """sway cannot run here (not installed, or no unprivileged user to run it as)."""


@dataclass
class Desktop:
    """A running headless sway: its outputs and how clients reach it."""

    runtime: Path
    outputs: list[str]
    x11_display: str

    @property
    def wayland_env(self) -> dict[str, str]:
        socket = next(path for path in self.runtime.glob("wayland-*") if path.is_socket())
        return {"WAYLAND_DISPLAY": socket.name, "XDG_RUNTIME_DIR": str(self.runtime)}

    @property
    def x11_env(self) -> dict[str, str]:
        return {"DISPLAY": self.x11_display}

    def screenshot(self, output: str) -> np.ndarray:
        """What ``output`` shows, ``[h, w, 3]`` uint8 RGB."""
        path = self.runtime / f"{output}.png"
        subprocess.run(["grim", "-o", output, str(path)], env={**os.environ, **self.wayland_env},
                       check=True, capture_output=True, timeout=30)
        try:
            return cv2.cvtColor(cv2.imread(str(path), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
        finally:
            path.unlink()

    def views(self) -> list[dict]:
        """The windows sway manages (an X11 override-redirect window is not one):
        ``{"output", "title", "fullscreen": bool, "rect": (x, y, w, h)}``."""
        [socket] = self.runtime.glob("sway-ipc.*.sock")
        tree = json.loads(subprocess.run(["swaymsg", "-s", str(socket), "-t", "get_tree"],
                                         check=True, capture_output=True, text=True,
                                         timeout=30).stdout)
        found: list[dict] = []

        def walk(node: dict, output: str | None) -> None:
            output = node["name"] if node["type"] == "output" else output
            if node["type"] in ("con", "floating_con") and node.get("pid"):
                rect = node["rect"]
                found.append({"output": output, "title": node.get("name"),
                              "fullscreen": bool(node.get("fullscreen_mode")),
                              "rect": (rect["x"], rect["y"], rect["width"], rect["height"])})
            for child in node.get("nodes", []) + node.get("floating_nodes", []):
                walk(child, output)

        walk(tree, None)
        return found


def _config(sizes: list[tuple[int, int]], client: str, rules: list[str]) -> str:
    lines, left = list(rules), 0
    for number, (width, height) in enumerate(sizes, start=1):
        lines.append(f"output HEADLESS-{number} mode {width}x{height} position {left} 0")
        left += width
    # Xwayland from the start (not on the first X11 client), letting the test's user in,
    # and its DISPLAY published only then (written aside and renamed, so read whole).
    lines += ["xwayland force",
              f"exec sh -c 'xhost +si:localuser:{client} >/dev/null; "
              f"echo \"$DISPLAY\" > \"$XDG_RUNTIME_DIR/{X11_DISPLAY_FILE}.part\" && "
              f"mv \"$XDG_RUNTIME_DIR/{X11_DISPLAY_FILE}.part\" "
              f"\"$XDG_RUNTIME_DIR/{X11_DISPLAY_FILE}\"'"]
    return "\n".join(lines) + "\n"


def _sway_account() -> pwd.struct_passwd | None:
    """The user sway runs as when we are root (made if missing); None: run as the caller."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SWAY_USER)
    except KeyError:
        pass
    if shutil.which("useradd") is None:
        raise SwayUnavailable("running as root without useradd: no unprivileged user to run "
                              "sway as (sway refuses root)")
    made = subprocess.run(["useradd", "--system", "--no-create-home", "--shell",
                           "/usr/sbin/nologin", SWAY_USER], capture_output=True, text=True)
    if made.returncode != 0 and "already exists" not in made.stderr:   # a parallel test made it
        raise SwayUnavailable(f"cannot create the user {SWAY_USER} to run sway as: "
                              f"{made.stderr.strip()}")
    return pwd.getpwnam(SWAY_USER)


@contextlib.contextmanager
def sway(sizes: list[tuple[int, int]], rules: Sequence[str] = ()) -> Iterator[Desktop]:
    """A headless sway with one output per ``(width, height)`` (HEADLESS-1, -2, ... side by
    side from the left), Xwayland running, for the ``with`` block; ``rules`` are lines of
    sway's config added (``for_window [title="..."] move container to output HEADLESS-1``)."""
    missing = [tool for tool in ("sway", "swaymsg", "grim", "Xwayland", "xhost")
               if shutil.which(tool) is None]
    if missing:
        raise SwayUnavailable(f"not installed: {', '.join(missing)} "
                              f"(apt-get install sway grim xwayland x11-xserver-utils)")
    account = _sway_account()
    runtime = Path(tempfile.mkdtemp(prefix="gance-sway-"))
    try:
        config = runtime / "config"
        config.write_text(_config(sizes, pwd.getpwuid(os.geteuid()).pw_name, list(rules)))
        log = runtime / "sway.log"
        identity = {}
        if account is not None:
            os.chown(runtime, account.pw_uid, account.pw_gid)
            identity = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
        os.chmod(runtime, 0o700)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(runtime),
               "XDG_RUNTIME_DIR": str(runtime), "WLR_BACKENDS": "headless",
               "WLR_HEADLESS_OUTPUTS": str(len(sizes)), "WLR_RENDERER": "pixman",
               "WLR_LIBINPUT_NO_DEVICES": "1"}
        with open(log, "wb") as log_stream:
            try:
                server = subprocess.Popen(["sway", "-c", str(config)], env=env, cwd=runtime,
                                          stdout=log_stream, stderr=subprocess.STDOUT,
                                          **identity)
            except PermissionError as exc:   # e.g. a container that cannot switch users
                raise SwayUnavailable(f"cannot start sway as {SWAY_USER}: {exc}") from None
        try:
            display = _wait_for_display(runtime, server, log)
            yield Desktop(runtime, [f"HEADLESS-{n}" for n in range(1, len(sizes) + 1)],
                          display)
        finally:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    finally:
        shutil.rmtree(runtime, ignore_errors=True)


def _wait_for_display(runtime: Path, server: subprocess.Popen, log: Path) -> str:
    published = runtime / X11_DISPLAY_FILE
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"sway exited ({server.returncode}): "
                               f"{log.read_text(errors='replace')[-2000:]}")
        if published.exists() and list(runtime.glob("sway-ipc.*.sock")):
            return published.read_text().strip()
        time.sleep(0.1)
    raise RuntimeError(f"sway not ready after {START_SECONDS:.0f} s: "
                       f"{log.read_text(errors='replace')[-2000:]}")
