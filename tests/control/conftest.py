"""Fixtures of the control tests: real MIDI through a JACK dummy server of their own."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator

import pytest

from live.control.config import ControlConfig
from tests.support.jack import FakeController, JackUnavailable, dummy_jack_server, wait_for

__all__ = ["FakeController", "wait_for", "jack_or_skip", "MAPS", "REPO"]

REPO = Path(__file__).resolve().parents[2]
MAPS = REPO / "config" / "midi"


@contextlib.contextmanager
def jack_or_skip(period: int = 128) -> Iterator[str]:
    """A private ``jackd -d dummy`` (see dummy_jack_server); skips the test where JACK is
    missing."""
    try:
        with dummy_jack_server(period=period) as name:
            yield name
    except JackUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def jack_server() -> Iterator[str]:
    """A private ``jackd -d dummy`` for the session (skips the test where JACK is missing)."""
    with jack_or_skip() as name:
        yield name


@pytest.fixture
def control_config(jack_server: str) -> ControlConfig:
    """JACK, quick rescans, OSC on a free local port, no maps yet."""
    cfg = ControlConfig()
    cfg.midi.api = "jack"
    cfg.midi.rescan_seconds = 0.05
    cfg.osc.port = 0
    return cfg
