"""Named shared-memory segments that gance-live creates, attaches to and always cleans up.

Every segment is named ``gance_live_<owner pid>_<purpose>`` so that tests and the
supervisor can find ours in ``/dev/shm`` and nothing else. The creating process owns a
segment and unlinks it; other processes only attach. An owner that dies without unlinking
(SIGKILL, the OOM killer) leaves its segments behind: its children remove them on their way
out (:func:`remove_segments`), and the next show removes any that are still there
(:func:`remove_stale_segments`).
"""

from __future__ import annotations

import os
from multiprocessing import shared_memory
from pathlib import Path

PREFIX = "gance_live_"
_SHM_DIR = Path("/dev/shm")


def segment_name(purpose: str, owner_pid: int | None = None) -> str:
    """The name of a segment for ``purpose`` owned by ``owner_pid`` (default: this process)."""
    return f"{PREFIX}{owner_pid or os.getpid()}_{purpose}"


def create_segment(purpose: str, size: int,
                   owner_pid: int | None = None) -> shared_memory.SharedMemory:
    """Create (replacing a stale one of the same name) a zero-filled segment of ``size`` bytes,
    named for ``owner_pid`` (default: this process), which will unlink it."""
    name = segment_name(purpose, owner_pid)
    try:
        stale = shared_memory.SharedMemory(name=name)
    except FileNotFoundError:
        pass
    else:
        stale.close()
        stale.unlink()
    return shared_memory.SharedMemory(name=name, create=True, size=size)


def attach_segment(name: str) -> shared_memory.SharedMemory:
    """Attach to a segment another process created; closing it does not remove it."""
    return shared_memory.SharedMemory(name=name)


def release_segment(shm: shared_memory.SharedMemory, unlink: bool) -> None:
    """Close our mapping and, for the owner, remove the segment; safe to call twice."""
    try:
        shm.close()
    except BufferError:
        # A numpy view still points into the mapping; the OS frees it with the process.
        pass
    if unlink:
        try:
            shm.unlink()
        except FileNotFoundError:
            pass


def leftover_segments(owner_pid: int | None = None) -> list[str]:
    """Names of our segments still in /dev/shm (of one owner, or of any gance-live process)."""
    if not _SHM_DIR.is_dir():
        return []
    prefix = segment_name("", owner_pid) if owner_pid else PREFIX
    return sorted(p.name for p in _SHM_DIR.iterdir() if p.name.startswith(prefix))


def segment_owner(name: str) -> int | None:
    """The owner pid in one of our segment names, None for a name that is not ours."""
    owner, _, _ = name.removeprefix(PREFIX).partition("_")
    return int(owner) if name.startswith(PREFIX) and owner.isdigit() else None


def remove_segments(owner_pid: int) -> list[str]:
    """Remove every segment of ``owner_pid`` (which must be dead); returns their names.

    Unlinking through :class:`SharedMemory` also drops the name from Python's resource
    tracker, so the tracker does not warn about it or try to remove it a second time.
    """
    removed = []
    for name in leftover_segments(owner_pid):
        try:
            shm = shared_memory.SharedMemory(name=name)
        except FileNotFoundError:
            continue  # another process removed it first
        release_segment(shm, unlink=True)
        removed.append(name)
    return removed


def remove_stale_segments() -> list[str]:
    """Remove the segments of every gance-live process that is no longer alive (never of a
    live one); returns their names."""
    owners = {segment_owner(name) for name in leftover_segments()} - {None}
    return [name for owner in sorted(owners) if not _alive(owner)
            for name in remove_segments(owner)]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive, and not ours to judge
    return True
