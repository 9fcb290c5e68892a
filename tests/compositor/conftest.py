"""Fixtures of the compositor tests: a virtual display (see ``xvfb.py``, reusable elsewhere)."""

from __future__ import annotations

import pytest

from tests.support.xvfb import xvfb

SCREEN = (640, 360)


@pytest.fixture(scope="module")
def x_display():
    """A 640x360 Xvfb display shared by a test module; DISPLAY is set for the module."""
    with xvfb(*SCREEN) as display, pytest.MonkeyPatch.context() as patch:
        patch.setenv("DISPLAY", display)
        yield display
