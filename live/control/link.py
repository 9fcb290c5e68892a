"""Ableton Link: this show as a peer of the band's Link session (I/O, through aalink).

Link peers on one network find each other by multicast and share one tempo and one beat
timeline. :class:`LinkSession` reads that timeline at the show's clock, for
:class:`~live.control.tempo.BeatFollower` to turn into events, and sets the session's tempo
when the show leads (tap tempo)::

    with LinkSession(tempo=120.0, quantum=4.0, clock=show_time) as link:
        time, beat, tempo = link.read()
"""

from __future__ import annotations

import asyncio
import warnings
from typing import Callable

import aalink


class LinkSession:
    """One Link peer, enabled while the context is open."""

    def __init__(self, tempo: float, quantum: float, clock: Callable[[], float]) -> None:
        self.tempo, self.quantum, self.clock = tempo, quantum, clock
        self._loop: asyncio.AbstractEventLoop | None = None
        self._link: aalink.Link | None = None

    def __enter__(self) -> LinkSession:
        # aalink wants an event loop for its callbacks, which the show does not use; one
        # that never runs is enough. Its loop argument is deprecated in favour of a running
        # loop, which a polling conductor does not have.
        self._loop = asyncio.new_event_loop()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            self._link = aalink.Link(self.tempo, self._loop)
        self._link.quantum = self.quantum
        self._link.enabled = True
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._link is not None:
            self._link.enabled = False
            self._link = None
        if self._loop is not None:
            self._loop.close()
            self._loop = None

    @property
    def peers(self) -> int:
        """Other peers in the session."""
        assert self._link is not None, "use LinkSession as a context manager"
        return int(self._link.num_peers)

    def read(self) -> tuple[float, float, float]:
        """``(show time now, the session's beat now, its tempo)``."""
        assert self._link is not None, "use LinkSession as a context manager"
        time = self.clock()
        return time, float(self._link.beat), float(self._link.tempo)

    def lead(self, tempo: float) -> None:
        """Set the session's tempo (every peer follows)."""
        assert self._link is not None, "use LinkSession as a context manager"
        self._link.tempo = tempo
