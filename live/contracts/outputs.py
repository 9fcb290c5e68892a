"""Writing outputs without ever destroying a file: a temporary name, then one rename.

Every file the show writes (recordings, event logs, favourites, learned MIDI maps, converted
caches) is written under a temporary name in the target's own folder and renamed into place
only once complete, so a crash, a kill or a full disk leaves either the old file or the new
one, never a truncated mix. The temporary names start with ``.`` and end with ``.partial``,
so a half-written file is never mistaken for a finished one.

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "events.jsonl"
    >>> with atomic_output(target) as temporary:
    ...     _ = temporary.write_text("{}\\n")
    >>> target.read_text()
    '{}\\n'
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, TextIO

PARTIAL_SUFFIX = ".partial"


def partial_path(target: Path) -> Path:
    """A fresh temporary path beside ``target`` (same folder, so the rename is atomic).

    It gets the mode ``target`` has, or the one a plain ``open`` would give a new file
    (``mkstemp`` alone makes it private, and the rename would carry that over)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=PARTIAL_SUFFIX,
                                dir=target.parent)
    try:
        os.fchmod(fd, _mode_for(target))
    finally:
        os.close(fd)
    return Path(name)


def _mode_for(target: Path) -> int:
    try:
        return target.stat().st_mode & 0o7777
    except FileNotFoundError:
        return 0o666 & ~_umask()


def _umask() -> int:
    """The process's umask, read without changing it (``os.umask`` would, for all threads)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("Umask:"):
            return int(line.split()[1], 8)
    return 0o022


def stray_partials(target: Path) -> list[Path]:
    """Temporary files of ``target`` that a process killed while writing it left behind."""
    return sorted(target.parent.glob(f".{target.name}.*{PARTIAL_SUFFIX}"))


def commit_output(temporary: Path, target: Path) -> Path:
    """Move a complete ``temporary`` file onto ``target`` in one step; returns ``target``."""
    with open(temporary, "rb") as stream:
        os.fsync(stream.fileno())   # the data is on disk before the name points at it
    os.replace(temporary, target)
    return target


@contextmanager
def atomic_output(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it becomes ``target``, on an exception it
    is removed and ``target`` is left as it was."""
    target = Path(target)
    temporary = partial_path(target)
    try:
        yield temporary
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    commit_output(temporary, target)


@contextmanager
def growing_output(target: str | Path) -> Iterator[TextIO]:
    """A text file written line by line while the show runs (an event log): the lines go to
    a temporary name, flushed one by one, and it becomes ``target`` on every exit the process
    lives through, an exception included (the lines so far are the truth of the show). A
    process killed outright leaves the temporary ``.partial`` beside ``target``, complete up
    to its last line."""
    target = Path(target)
    temporary = partial_path(target)
    try:
        with temporary.open("w", encoding="utf-8", buffering=1) as stream:
            yield stream
    finally:
        commit_output(temporary, target)
