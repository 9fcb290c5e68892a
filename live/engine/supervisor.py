"""The supervisor (in the main process): starts, watches and restarts the child processes.

Children are started with the ``spawn`` method (CUDA cannot be forked). Each reports
``Status(..., "ready")`` once it can work; :meth:`Supervisor.wait_ready` turns a child's
``error`` into a :class:`StartupError` so a show refuses to start instead of failing mid-set.
A worker that dies later is restarted while the others carry the show; so is the audio
process (the features fall to silence meanwhile), and the compositor: the conductor asks
:meth:`Supervisor.restart_compositor`, which finalises the part of the recording the dead one
left and starts another on the same output, recording into the next part.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import queue
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from live.compositor.recorder import (PartLedger, RecordingError, finalise_stream, part_path,
                                      stream_path, wait_for_exit)
from live.contracts.errors import LiveError
from live.contracts.messages import FrameJob, Status
from live.engine.worker import WorkerSpec, worker_main

if TYPE_CHECKING:
    from live.compositor.process import CompositorSpec

log = logging.getLogger(__name__)

JOIN_TIMEOUT_S = 1.5   # a child that has not exited by then is terminated, then killed
RESTARTS_PER_MINUTE = 5  # a worker (or compositor) dying faster than this is broken, not unlucky
AUDIO_RESTART_S = 5.0    # at most one audio (or video) process restart this often
RESTARTED_CHILDREN = ("audio", "video")   # the compositor has its own restart
START_TIMEOUT_S = 120  # importing torch and loading 1024 px networks can take a while


class StartupError(LiveError, RuntimeError):
    """A child could not start; the message says which and why."""


class _Worker:
    def __init__(self, spec: WorkerSpec, process: mp.process.BaseProcess, jobs) -> None:
        self.spec, self.process, self.jobs = spec, process, jobs
        self.ready = False
        self.frame_seconds: float | None = None   # a warmed-up frame's time, once ready
        self.restarts: list[float] = []  # when it was restarted (monotonic)


class Supervisor:
    """Owns every child process of a show, and the two queues they share.

    ``inbox`` receives every child's :class:`Status` (the conductor forwards worker news
    to :meth:`on_status`) and every finished frame; ``compositor_inbox`` is the current
    compositor's queue (a fresh one for each compositor started).
    """

    def __init__(self, restart_workers: bool = True) -> None:
        self.ctx = mp.get_context("spawn")
        self.inbox = self.ctx.Queue()
        self.compositor_inbox = None
        self.compositor_spec: CompositorSpec | None = None
        self._compositor_restarts: list[float] = []   # when (monotonic)
        self._finalisers: list[threading.Thread] = []  # dead compositors' parts being muxed
        self.recording: list[Path] = []   # the recording's parts, once finished
        self.restart_workers = restart_workers
        self.workers: dict[int, _Worker] = {}
        self.others: dict[str, mp.process.BaseProcess] = {}
        self._entry_points: dict[str, tuple[Callable[..., None], tuple[Any, ...]]] = {}
        self._child_restarted: dict[str, float] = {}   # audio, video: when (monotonic)
        self.stop_event = self.ctx.Event()
        self.stopping = False  # a plain flag: set from signal handlers, read by check()

    # -- starting -----------------------------------------------------------------------------
    def start_worker(self, spec: WorkerSpec) -> None:
        jobs = self.ctx.Queue()
        process = self.ctx.Process(target=worker_main, name=f"gance-worker-{spec.worker_id}",
                                   args=(spec, jobs, self.inbox),
                                   daemon=True)
        process.start()
        previous = self.workers.get(spec.worker_id)
        self.workers[spec.worker_id] = _Worker(spec, process, jobs)
        if previous is not None:
            self.workers[spec.worker_id].restarts = previous.restarts + [time.monotonic()]

    def start_child(self, name: str, target: Callable[..., None], *args: Any) -> None:
        """Start the audio or compositor process; ``target(*args)`` is its entry point."""
        process = self.ctx.Process(target=target, name=f"gance-{name}", args=args, daemon=True)
        process.start()
        self.others[name] = process
        self._entry_points[name] = (target, args)

    # -- the compositor: restarted like a worker; its recording finished by whoever outlives it
    def start_compositor(self, spec: CompositorSpec) -> None:
        """Start the compositor with ``spec`` (kept, to start the same output again) on a
        fresh inbox: a queue whose reader died may be left with its lock held."""
        from live.compositor.process import compositor_main

        if spec.record_path and spec.parts is None:
            spec = replace(spec, parts=PartLedger(self.ctx))
        self.compositor_spec = spec
        self.compositor_inbox = self.ctx.Queue()
        self.start_child("compositor", compositor_main, spec, self.compositor_inbox, self.inbox)

    def restart_compositor(self, why: str) -> str | None:
        """The compositor died mid-show (``why``): finalise what it was recording (in the
        background) and start another on the same monitor and mode, recording into the next
        part. Returns the reason to end the show instead, when it keeps dying."""
        dead = self.compositor_spec
        self.compositor_inbox.cancel_join_thread()   # what is left in it is for nobody
        if dead.record_path:
            finaliser = threading.Thread(target=self._finalise_parts, args=(dead,),
                                         name="finalise-dead-compositor")
            finaliser.start()
            self._finalisers.append(finaliser)
        now = time.monotonic()
        self._compositor_restarts = [t for t in self._compositor_restarts if now - t < 60.0]
        if len(self._compositor_restarts) >= RESTARTS_PER_MINUTE:
            return (f"the compositor {why}, after {RESTARTS_PER_MINUTE} restarts in a minute: "
                    f"it is not restarted again")
        self._compositor_restarts.append(now)
        log.warning("the compositor %s; restarting it on the same output", why)
        next_part = dead.parts.newest + 1 if dead.record_path else 1
        self.start_compositor(replace(dead, record_part=next_part, restarted=True))
        return None

    def _finalise_parts(self, spec: CompositorSpec, first: int | None = None) -> None:
        """Turn every transport stream a dead compositor left into its part, with audio
        (from part ``first``, by default the first part that compositor recorded)."""
        for number in range(spec.record_part if first is None else first, spec.parts.newest + 1):
            part = part_path(spec.record_path, number)
            if not stream_path(part).exists():
                continue   # finalised by the compositor itself
            if pid := spec.parts.encoder(number):
                wait_for_exit(pid)   # it ends the stream cleanly once its input is closed
            try:
                finalise_stream(stream_path(part), part, spec.fps, spec.audio_path,
                                spec.parts.audio_start(number), loop=spec.audio_loops)
                log.warning("the compositor died while recording %s: finalised it with what "
                            "was recorded until then", part)
            except RecordingError as exc:
                log.warning("the compositor died while recording: %s", exc)

    def finish_recording(self) -> None:
        """After :meth:`shutdown`: finalise what any compositor left unfinished (one killed
        while finishing, too), and list the recording's parts in ``recording``."""
        for finaliser in self._finalisers:
            finaliser.join()
        spec = self.compositor_spec
        if spec is None or not spec.record_path:
            return
        # Every part, not only the last compositor's: an encoder orphaned by a compositor
        # killed as it started may have written its stream after that part was looked at.
        self._finalise_parts(spec, first=1)
        parts = (part_path(spec.record_path, n) for n in range(1, spec.parts.newest + 1))
        self.recording = [part for part in parts if part.exists()]

    def wait_ready(self, sources: set[str], timeout: float = START_TIMEOUT_S) -> list[Status]:
        """Wait until every source in ``sources`` ("worker:0", "audio", ...) is ready.

        Returns the warnings seen meanwhile; raises :class:`StartupError` on an error, a
        child that exits, or the timeout.
        """
        waiting, warnings = set(sources), []
        deadline = time.monotonic() + timeout
        while waiting:
            try:
                status = self.inbox.get(timeout=0.2)
            except queue.Empty:
                for name in sorted(waiting):
                    if not self._process(name).is_alive():
                        raise StartupError(f"{name} exited during start-up "
                                           f"(exit code {self._process(name).exitcode})")
                if time.monotonic() > deadline:
                    raise StartupError(f"{', '.join(sorted(waiting))} not ready after "
                                       f"{timeout:.0f} s")
                continue
            if status.status == "error":
                raise StartupError(f"{status.source}: {status.detail}")
            if status.status == "warning":
                warnings.append(status)
            elif status.status == "ready":
                self.on_status(status)
                waiting.discard(status.source)
        return warnings

    def _process(self, source: str) -> mp.process.BaseProcess:
        if source.startswith("worker:"):
            return self.workers[int(source.split(":")[1])].process
        return self.others[source]

    # -- the conductor's view (live.engine.conductor.Workers) ---------------------------------
    def ready(self) -> list[int]:
        return [wid for wid, w in self.workers.items() if w.ready]

    def frame_seconds(self, worker: int) -> float | None:
        """How long a frame took ``worker`` as it started, once warmed up (None: not ready,
        or not reported)."""
        return self.workers[worker].frame_seconds

    def send(self, worker: int, job: FrameJob) -> None:
        self.workers[worker].jobs.put(job)

    def on_status(self, status: Status) -> None:
        if status.source.startswith("worker:"):
            worker = self.workers[int(status.source.split(":")[1])]
            if status.status == "ready":
                worker.ready, worker.frame_seconds = True, status.seconds
                if worker.restarts:
                    log.warning("%s is back (%s)", status.source, status.detail)
            elif status.status == "error":
                log.error("%s: %s", status.source, status.detail)
            elif status.status == "warning":
                log.warning("%s: %s", status.source, status.detail)
        elif status.status in ("warning", "error"):
            log.warning("%s: %s", status.source, status.detail)

    def compositor_exit(self) -> int | None:
        """The compositor's exit code if it has died, else None."""
        process = self.others.get("compositor")
        return None if process is None or process.is_alive() else process.exitcode

    def check(self) -> list[int]:
        """Find dead workers (and a dead audio or video process), restart them; returns the ids of
        the workers found dead. Once the show is stopping, nothing is restarted."""
        if self.stopping:
            return []
        for name in RESTARTED_CHILDREN:
            child = self.others.get(name)
            if child is not None and not child.is_alive() \
                    and time.monotonic() - self._child_restarted.get(name, 0.0) > AUDIO_RESTART_S:
                log.warning("the %s process exited (code %s); restarting it", name,
                            child.exitcode)
                self._child_restarted[name] = time.monotonic()
                target, args = self._entry_points[name]
                self.start_child(name, target, *args)
        dead = [wid for wid, w in self.workers.items() if not w.process.is_alive()]
        for wid in dead:
            old = self.workers[wid]
            old.jobs.cancel_join_thread()  # its queued jobs died with it
            log.warning("worker %d exited (code %s)", wid, old.process.exitcode)
            recent = [t for t in old.restarts if time.monotonic() - t < 60.0]
            if self.restart_workers and len(recent) < RESTARTS_PER_MINUTE:
                self.start_worker(replace(old.spec))
            else:
                log.error("worker %d is left down (%s); the show goes on with the others", wid,
                          "it keeps dying" if self.restart_workers else "restarts are off")
                del self.workers[wid]
        return dead

    # -- stopping -----------------------------------------------------------------------------
    def begin_stop(self) -> None:
        """The show is ending: restart no child from now on (a signal sent to the whole
        process group reaches the children too). Safe to call from a signal handler."""
        self.stopping = True

    def shutdown(self) -> None:
        """Stop every child within about ``JOIN_TIMEOUT_S``, however they behave."""
        self.begin_stop()
        self.stop_event.set()
        for worker in self.workers.values():
            try:
                worker.jobs.put_nowait(None)
            except (ValueError, OSError):
                pass
        processes = [w.process for w in self.workers.values()] + list(self.others.values())
        deadline = time.monotonic() + JOIN_TIMEOUT_S
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(0.3)
            if process.is_alive():
                process.kill()
                process.join(0.2)
        for worker in self.workers.values():
            worker.jobs.cancel_join_thread()
            worker.jobs.close()
