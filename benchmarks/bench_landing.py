"""How long the fullscreen output takes to open and land on its monitor (issue 12, item 5).

:class:`~live.compositor.window.OutputWindow` opens fullscreen on monitor "1" and checks
where the window really is before the show starts; this times that, from ``glfw.init`` to
a window in place, for each way it can go:

- ``wayland``: natively on sway (two headless outputs): one black picture and a round trip;
- ``xwayland``: on sway through Xwayland, where sway puts the fullscreen request on the
  focused output: the window manager's ``LAND_SECONDS`` of grace, then the borderless
  window over the projector;
- ``xvfb``: fullscreen on Xvfb's one screen (no window manager: glfw places it itself).

Each opening runs in a fresh process (glfw's library is chosen when it is imported).
Prints and saves figures in milliseconds (medians).

    .venv/bin/python -m benchmarks.bench_landing [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import numpy as np

from benchmarks.report import report

CHILD = """
import json, time
from live.compositor.config import OutputConfig
from live.compositor.window import OutputWindow
start = time.perf_counter()
window = OutputWindow(OutputConfig(fullscreen=True, monitor={monitor!r}))
opened = time.perf_counter() - start
print(json.dumps({{"seconds": opened, "mode": window.mode, "misplaced": window.misplaced}}))
window.close()
"""


def open_once(monitor: str, display_env: dict[str, str]) -> dict:
    """One opening in a fresh process under ``display_env``: seconds, mode, misplaced."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("DISPLAY", "WAYLAND_DISPLAY", "PYGLFW_LIBRARY_VARIANT")}
    done = subprocess.run([sys.executable, "-c", CHILD.format(monitor=monitor)],
                          env={**env, **display_env}, capture_output=True, text=True,
                          timeout=120, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def measure(name: str, monitor: str, display_env: dict[str, str], repeat: int,
            figures: dict) -> None:
    runs = [open_once(monitor, display_env) for _ in range(repeat)]
    figures[f"{name} open ms"] = float(np.median([run["seconds"] for run in runs]) * 1000)
    figures[f"{name} mode"] = runs[-1]["mode"]
    figures[f"{name} landed"] = all(run["misplaced"] is None for run in runs)


def main() -> None:
    from tests.support.sway import sway
    from tests.support.xvfb import xvfb

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    figures: dict = {"load average at start": os.getloadavg()[0]}
    with sway([(1280, 720), (1920, 1080)]) as desktop:
        measure("wayland", "1", desktop.wayland_env, args.repeat, figures)
        measure("xwayland", "1", {**desktop.wayland_env, **desktop.x11_env,
                                  "PYGLFW_LIBRARY_VARIANT": "x11"}, args.repeat, figures)
    with xvfb(1920, 1080) as display:
        measure("xvfb", "0", {"DISPLAY": display}, args.repeat, figures)
    figures["load average at end"] = os.getloadavg()[0]
    report("landing", figures)


if __name__ == "__main__":
    main()
