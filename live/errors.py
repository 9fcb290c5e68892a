"""The one base class of every error the performer can fix (a file, a key, a device, a port).

The CLI prints such an error as one line and exits with status 2; anything else is a bug
and keeps its traceback.
"""

from __future__ import annotations


class LiveError(Exception):
    """Bad input or setup; the message names the file or field, the problem, and the fix."""
