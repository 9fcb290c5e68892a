"""Checking a file path the performer wrote, before anything opens it.

Every concern that reads a file named in a config or on the command line (networks, audio,
projections, keyframes, MIDI maps, the show file itself) asks :func:`check_input_file`
first, so a folder, a FIFO or a device is called what it is instead of "does not exist", and
a NUL byte or an over-long path is one clear line instead of a traceback.

    >>> check_input_file("loops/a.wav", "audio file", where="show.toml: [audio] file")
    Traceback (most recent call last):
    live.contracts.errors.ConfigError: show.toml: [audio] file: ...loops/a.wav: no such audio file
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from live.contracts.errors import ConfigError, LiveError

PATH_MAX = os.pathconf("/", "PC_PATH_MAX")   # the longest path the kernel takes (4096 on Linux)
SHOWN_PATH_CHARS = 100                        # a longer path is shown cut in the middle

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))


def shown_path(path: str | Path) -> str:
    """``path`` as it can be printed in a one-line message: control characters (a NUL byte,
    a newline) escaped, and a path longer than ``SHOWN_PATH_CHARS`` cut in the middle."""
    text = str(path)
    if any(not c.isprintable() for c in text):
        text = repr(text)[1:-1]
    if len(text) > SHOWN_PATH_CHARS:
        half = SHOWN_PATH_CHARS // 2
        text = f"{text[:half]}...{text[-half:]}"
    return text


def check_input_file(path: str | Path, what: str, where: str = "", fix: str = "",
                     error: type[LiveError] = ConfigError) -> Path:
    """``path`` as a :class:`Path` when it names a readable regular file; otherwise raise
    ``error`` with one line: ``where`` (e.g. the config file and key), the path, what it is
    instead (missing, a folder, a FIFO, a device, a NUL byte, too long...) and ``fix``.

    ``what`` names the file expected (``"audio file"``, ``"MIDI map"``)."""
    text = str(path)
    head = f"{where}: " if where else ""
    tail = f" ({fix})" if fix else ""
    if "\0" in text:
        raise error(f"{head}{shown_path(text)}: a path cannot hold a NUL byte (\\0); write the "
                    f"{what}'s path without it")
    if len(os.fsencode(text)) >= PATH_MAX:
        raise error(f"{head}{shown_path(text)}: the path is {len(text)} characters long, over "
                    f"this system's limit of {PATH_MAX - 1}; give a shorter path to the {what}")
    path = Path(text)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise error(f"{head}{shown_path(path)}: no such {what}{tail}") from None
    except OSError as exc:
        problem = {errno.ENAMETOOLONG: "a name in the path is longer than this file system "
                                       "allows",
                   errno.ENOTDIR: "a part of the path is a file, not a folder",
                   errno.ELOOP: "the path loops through symbolic links",
                   errno.EACCES: "permission denied on the way to it"}.get(
                       exc.errno, exc.strerror or str(exc))
        raise error(f"{head}{shown_path(path)}: cannot reach the {what}: {problem}{tail}") from None
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _KINDS if test(mode)), "a special file")
        raise error(f"{head}{shown_path(path)}: is {kind}, not a regular file{tail}")
    if not os.access(path, os.R_OK):
        raise error(f"{head}{shown_path(path)}: the {what} is not readable (permission "
                    f"denied); fix its permissions")
    return path
