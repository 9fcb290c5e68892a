"""Audio test fixtures: the session's private PulseAudio null sink (tests/support/pulse.py)
and a private JACK server on the dummy backend (tests/support/jack.py); tests using them skip
with the reason when the programs are missing.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest

from tests.support.jack import JackUnavailable, dummy_jack_server
from tests.support.pulse import PulseServer


@pytest.fixture(scope="session")
def pulse() -> Iterator[PulseServer]:
    """The session's PulseAudio null sink; ``PULSE_SERVER`` points this process and every
    process it starts at it while the fixture lives."""
    if shutil.which("pulseaudio") is None or shutil.which("pactl") is None:
        pytest.skip("pulseaudio/pactl not installed (Debian: apt-get install pulseaudio "
                    "libasound2-plugins)")
    if not any(Path(d, "50-pulseaudio.conf").exists()
               for d in ("/usr/share/alsa/alsa.conf.d", "/etc/alsa/conf.d")):
        pytest.skip("ALSA's pulse plugin is not installed (Debian: libasound2-plugins)")
    runtime_dir = Path(tempfile.mkdtemp(prefix="gance-pulse-"))
    runtime_dir.chmod(0o700)
    server = PulseServer(runtime_dir)
    try:
        server.start()
        with mock.patch.dict(os.environ, {"PULSE_SERVER": server.env["PULSE_SERVER"]}):
            yield server
    finally:
        server.stop()
        shutil.rmtree(runtime_dir, ignore_errors=True)


@pytest.fixture
def jack_server() -> Iterator[str]:
    """A private JACK server on the dummy backend at 48 kHz: a real device whose sample rate
    is fixed, which PortAudio shows as the JACK device ``system`` (see tests/support/jack.py)."""
    try:
        with dummy_jack_server(period=256, rate=48000) as name:
            yield name
    except JackUnavailable as exc:
        pytest.skip(str(exc))