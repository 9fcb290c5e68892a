"""How a child process of a show lives and dies with its parent (the supervisor's process).

Every child entry point is decorated with :func:`child_process`. From its first instruction:

- Ctrl-C in a terminal reaches the whole process group, but only the parent acts on it:
  it stops the show and then its children, in order. A child ignores SIGINT.
- If the parent dies without stopping it (SIGKILL, the OOM killer, a crash), the kernel
  sends the child :data:`PARENT_DEATH_SIGNAL` (Linux ``PR_SET_PDEATHSIG``), which wakes
  the main thread from whatever it waits on and raises :class:`ParentGone` (a
  ``SystemExit``) there: its ``finally`` blocks unmap the segments and close audio streams
  on the way out.
- A watcher thread, which needs nothing of the main thread, sees the parent's end of the
  spawn pipe close, removes the shared-memory segments the dead parent owned, and ends
  the process after :data:`PARENT_GONE_GRACE_S` if it is still there (the main thread busy
  in a long synthesis call, a queue lock the dead parent held, a device that will not close).
- Once the entry point has returned and multiprocessing has flushed the child's queues,
  the process ends without tearing its interpreter down: with torch loaded that takes
  0.3-1.5 s, which the supervisor would otherwise wait for at every shutdown.

Python's resource tracker, shared by the children, removes the semaphores of the show's
queues once the last child has exited.
"""

from __future__ import annotations

import atexit
import ctypes
import functools
import multiprocessing
import os
import signal
import sys
import threading
import time
from typing import Callable, ParamSpec

from live.contracts.shm import remove_segments

# SIGHUP: a terminal hang-up also means "your session is gone". The handler checks that the
# parent really is gone, so a hang-up the parent survives changes nothing.
PARENT_DEATH_SIGNAL = signal.SIGHUP
PARENT_GONE_GRACE_S = 0.5   # the longest a child may take to exit once its parent is gone
PARENT_GONE_EXIT_CODE = 1
_PR_SET_PDEATHSIG = 1       # from <linux/prctl.h>


P = ParamSpec("P")


class ParentGone(SystemExit):
    """Raised in a child whose parent died; ends the process like ``sys.exit``."""


def child_process(entry_point: Callable[P, None]) -> Callable[P, None]:
    """Decorate a child process's entry point (see the module docstring). Called in a
    process that multiprocessing did not start (directly, in a test), it only runs it."""

    @functools.wraps(entry_point)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        global _returned
        _bind_to_parent()
        entry_point(*args, **kwargs)
        _returned = True

    return run


_returned = False  # the entry point returned (after a crash Python exits as usual, status 1)


def _bind_to_parent() -> None:
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(PARENT_DEATH_SIGNAL, lambda signum, frame: _exit_if_orphaned(parent.pid))
    threading.Thread(target=_outlive_parent_briefly, args=(parent,), name="parent-watch",
                     daemon=True).start()
    atexit.register(_exit_without_teardown, parent.pid)
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, int(PARENT_DEATH_SIGNAL), 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    # The parent may have died before the kernel knew to tell us.
    _exit_if_orphaned(parent.pid)


def _exit_if_orphaned(parent_pid: int) -> None:
    if os.getppid() != parent_pid:
        raise ParentGone(PARENT_GONE_EXIT_CODE)


def _exit_without_teardown(parent_pid: int) -> None:
    # Runs once multiprocessing has flushed the queues. No Python thread runs during the
    # teardown, not even the watcher, so an orphan must end here too.
    if os.getppid() != parent_pid or _returned:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0 if _returned else PARENT_GONE_EXIT_CODE)


def _outlive_parent_briefly(parent: multiprocessing.process.BaseProcess) -> None:
    parent.join()   # returns once the parent's end of the spawn pipe is closed: it died
    remove_segments(parent.pid)
    time.sleep(PARENT_GONE_GRACE_S)
    os._exit(PARENT_GONE_EXIT_CODE)
