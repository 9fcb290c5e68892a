"""The errors the performer can fix (a file, a key, a device, a port), and their one base.

The CLI prints a :class:`LiveError` as one line and exits with status 2; anything else is a
bug and keeps its traceback.
"""

from __future__ import annotations


class LiveError(Exception):
    """Bad input or setup; the message names the file or field, the problem, and the fix."""


class ConfigError(LiveError, ValueError):
    """A show configuration that cannot be played; the message is meant for the performer."""


class UserError(LiveError):
    """A problem with the command line itself; printed as one line, exit status 2."""
