"""A real, paced audio device: a private PulseAudio server with a null sink.

Whatever is played to the sink ``gance_test`` comes back on its monitor source
``gance_test.monitor``, at the pace of a real sound card. The server is private (its own
runtime folder and socket, anonymous auth) and both are made the defaults, so PortAudio's
ALSA ``pulse`` / ``default`` devices reach it. It runs as root too (CI does).

Needs the ``pulseaudio`` binary and ALSA's pulse plugin (Debian: ``pulseaudio``,
``libasound2-plugins``).
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

SINK = "gance_test"
# PulseAudio takes well under a second to start here; CI machines can be slower.
START_TIMEOUT_S = 15.0


class PulseServer:
    """A private PulseAudio server (see the module docstring) that a test may kill and
    start again on the same socket, to take the device away and bring it back."""

    def __init__(self, runtime_dir: Path) -> None:
        self.runtime_dir = runtime_dir
        self.sink = SINK
        self.monitor = f"{SINK}.monitor"
        self.env = dict(os.environ, XDG_RUNTIME_DIR=str(runtime_dir), HOME=str(runtime_dir),
                        PULSE_SERVER=f"unix:{runtime_dir}/pulse/native")
        self.process: subprocess.Popen | None = None

    def pactl(self, *args: str) -> str:
        """Run ``pactl`` against this server and return its output."""
        return subprocess.run(["pactl", *args], env=self.env, check=True, capture_output=True,
                              text=True, timeout=10).stdout

    def start(self) -> None:
        log_path = self.runtime_dir / "pulseaudio.log"
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(
                ["pulseaudio", "--daemonize=no", "--exit-idle-time=-1", "--system=false", "-n",
                 "--disallow-exit", "--use-pid-file=no", "--log-target=stderr",
                 "--load=module-native-protocol-unix auth-anonymous=1",
                 f"--load=module-null-sink sink_name={SINK} rate=48000 channels=2"],
                env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if self.process.poll() is not None:
                raise RuntimeError("pulseaudio exited at start: "
                                   + log_path.read_text(errors="replace"))
            try:
                self.pactl("info")
                break
            except subprocess.CalledProcessError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("pulseaudio did not answer within "
                                       f"{START_TIMEOUT_S:.0f} s") from None
                time.sleep(0.1)
        self.pactl("set-default-sink", SINK)
        self.pactl("set-default-source", self.monitor)

    def stop(self) -> None:
        """End the server politely (then firmly); safe to call when it is not running."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


    def kill(self) -> None:
        """Take the device away at once, like an unplugged sound card."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)
