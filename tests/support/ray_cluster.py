"""A Ray cluster of two nodes on this machine for tests and benchmarks: a head and a second
node, each started by ``ray start --block`` as a separate process in a session of its own
(so everything it starts can be found and ended by that session, never by name), each with
one CPU, a small object store, and the session files in a temporary folder."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from tests.support.showrun import cli_env, wait_until_gone

RAY = str(Path(sys.executable).with_name("ray"))
OBJECT_STORE_BYTES = 200 * 1024 * 1024
START_TIMEOUT_S = 120.0


def session_processes(sid: int) -> list[int]:
    """The live processes of session ``sid`` (Ray's workers take process groups of their
    own, but stay in the session of the ``ray start`` that started their node)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # Fields after the command name: state, ppid, pgrp, session, ...
            state, _, _, session = (entry / "stat").read_text().rpartition(")")[2].split()[:4]
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(session) == sid and state != "Z":
            members.append(int(entry.name))
    return members


def _free_tcp_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ray_env(folder: Path) -> dict[str, str]:
    """The environment of the cluster's processes and its clients: the tree's package,
    Ray's files in ``folder``, no usage report, and no token authentication (a token left in
    ~/.ray by an earlier local Ray would turn it on, and clients without it are refused)."""
    env = cli_env()
    env.update(RAY_TMPDIR=str(folder), RAY_USAGE_STATS_ENABLED="0", RAY_AUTH_MODE="disabled",
               RAY_DISABLE_DOCKER_CPU_WARNING="1", TMPDIR=str(folder))
    return env


class RayNodes:
    """The running cluster: ``address`` for ``--cluster``; ``node_pids(n)`` are every process
    of node ``n`` (0: the head)."""

    def __init__(self, address: str, sessions: list[subprocess.Popen], env: dict[str, str]):
        self.address, self.sessions, self.env = address, sessions, env

    def node_pids(self, node: int) -> list[int]:
        return session_processes(self.sessions[node].pid)

    def actor_pids(self, name: str = "ShardRenderer") -> list[int]:
        """Ray worker processes hosting an actor of class ``name`` (their title says so:
        ``ray::Class`` idle, ``ray::Class.method`` while it runs a method)."""
        pids = []
        for session in self.sessions:
            for pid in session_processes(session.pid):
                try:
                    title = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
                except OSError:
                    continue
                if title.startswith(f"ray::{name}"):
                    pids.append(pid)
        return pids


def _wait_for_nodes(env: dict[str, str], address: str, nodes: int) -> None:
    probe = ("import ray, time, sys\n"
             f"ray.init(address={address!r}, log_to_driver=False)\n"
             f"deadline = time.monotonic() + {START_TIMEOUT_S}\n"
             f"while len([n for n in ray.nodes() if n['Alive']]) < {nodes}:\n"
             "    assert time.monotonic() < deadline, ray.nodes()\n"
             "    time.sleep(0.5)\n")
    subprocess.run([sys.executable, "-c", probe], env=env, check=True,
                   timeout=START_TIMEOUT_S + 30)


@contextmanager
def ray_cluster(folder: Path, nodes: int = 2) -> Iterator[RayNodes]:
    """A head and ``nodes - 1`` more nodes on localhost, ended with everything they started."""
    folder.mkdir(parents=True, exist_ok=True)
    env = ray_env(folder)
    port = _free_tcp_port()
    address = f"127.0.0.1:{port}"
    common = ["--block", "--num-cpus", "1", "--num-gpus", "0",
              "--object-store-memory", str(OBJECT_STORE_BYTES), "--disable-usage-stats"]
    sessions: list[subprocess.Popen] = []
    logs = []
    try:
        for node in range(nodes):
            where = ["--head", "--port", str(port), "--node-ip-address", "127.0.0.1",
                     "--include-dashboard", "false", "--temp-dir", str(folder / "ray")] \
                if node == 0 else ["--address", address, "--node-ip-address", "127.0.0.1"]
            log = (folder / f"node{node}.log").open("w")
            logs.append(log)
            sessions.append(subprocess.Popen([RAY, "start", *where, *common], env=env,
                                             stdout=log, stderr=subprocess.STDOUT,
                                             start_new_session=True))
            if node == 0:
                _wait_for_nodes(env, address, 1)
        _wait_for_nodes(env, address, nodes)
        yield RayNodes(address, sessions, env)
    finally:
        for session in reversed(sessions):
            _end_session(session)
        for log in logs:
            log.close()


def _end_session(node: subprocess.Popen) -> None:
    """SIGTERM to every process of a node's session, then SIGKILL to what is left after a
    while; ``ray start`` itself is reaped."""
    pids = session_processes(node.pid)
    for sig, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        pids = wait_until_gone(pids, timeout=grace)
        if not pids:
            break
    node.wait(timeout=5.0)
