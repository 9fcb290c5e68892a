"""The projector's one error: bad input the user can fix (printed as one line, exit 2)."""

from __future__ import annotations

from live.contracts.errors import LiveError


class ProjectorError(LiveError):
    """A video, network, weight file or output the projector cannot use; names the fix."""
