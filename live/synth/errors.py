"""The one error type of the synth concern: a network file or spec that cannot be played."""

from __future__ import annotations

from live.contracts.errors import LiveError


class NetworkError(LiveError, ValueError):
    """A network that cannot be loaded or played. The message is one line for the performer:
    it names the file (or spec) and the problem, and the fix where there is one."""
