"""`gance-live render --cluster`: a render drawn over a Ray head and a second Ray node on this
machine (separate processes) has the local render's frames, after an interrupt a rerun draws
only the shards not kept, and an actor killed mid-shard has its shard drawn again."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

from live.cli import main
from live.cluster.nodes import file_sha256
from live.cluster.render import refuse_unshardable
from live.config import load_config
from live.contracts.errors import ConfigError
from live.contracts.messages import DisplayState, PerformedLook
from live.contracts.state import ControlEvent, write_event_log
from live.engine.plan import ShowPlan
from tests.engine.test_render import frame_hashes
from tests.support.ray_cluster import ray_cluster
from tests.support.showrun import DEMO, interrupt, run_cli, start_cli

# 40 small frames at 10 fps: four shards of one second (a keyframe interval) each.
SHOW = ("--seconds", "4", "--set", "show.fps=10", "--set", "output.width=128",
        "--set", "output.height=128")
SHARDS = 4


@pytest.fixture(scope="module")
def music():
    from live.audio.demo import demo_loop_path

    return demo_loop_path()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with ray_cluster(tmp_path_factory.mktemp("ray")) as nodes:
        yield nodes


@pytest.fixture(scope="module")
def performance(tmp_path_factory) -> Path:
    """A replayed performance: the network, the look and a crossfade change mid-shard, the
    master on a shard's first frame (its display state opens that shard)."""
    log = tmp_path_factory.mktemp("events") / "show-events.jsonl"
    with log.open("w") as stream:
        write_event_log([ControlEvent(0.5, "osc", "hue", 40.0),
                         ControlEvent(1.25, "osc", "network", 2.0),
                         ControlEvent(2.0, "osc", "master", 0.6),
                         ControlEvent(3.35, "osc", "crossfade", 0.5)], stream)
    return log


@pytest.fixture(scope="module")
def network_file(tmp_path_factory) -> Path:
    """A network as a file (the demo's third, saved): it reaches the nodes by content."""
    from live.synth import load_network
    from live.synth.cache import save_safetensors

    return save_safetensors(load_network("demo:2"),
                            tmp_path_factory.mktemp("networks") / "third.safetensors")


def render_args(music, out: Path, performance: Path, network: Path,
                *extra: object) -> list[object]:
    networks = f'["demo:0", "demo:1", "{network}", "demo:3"]'
    return ["render", DEMO, "--audio", music, "--out", out, "--replay", performance, *SHOW,
            "--set", f"networks.files={networks}", *extra]


def wait_for_shards(folder: Path, count: int, process, timeout: float = 300) -> list[Path]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        kept = sorted(folder.glob("*.mp4"))
        if len(kept) >= count:
            return kept
        assert process.poll() is None, process.stderr.read()[-3000:]
        time.sleep(0.1)
    raise AssertionError(f"fewer than {count} shards in {folder} after {timeout} s")


def busy_actor(cluster, process, timeout: float = 120) -> int:
    """An actor drawing a shard (Ray titles its process after the method it runs)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if busy := cluster.actor_pids("ShardRenderer.render"):
            return busy[0]
        assert process.poll() is None, process.stderr.read()[-3000:]
        time.sleep(0.05)
    raise AssertionError(f"no actor drawing a shard after {timeout} s")


@pytest.mark.slow
def test_cluster_render_resumes_survives_a_dead_actor_and_equals_the_local_render(
        tmp_path, music, cluster, performance, network_file):
    out = tmp_path / "cluster.mp4"
    shards = out.with_name("cluster.mp4.shards")
    # Interrupted once a shard is kept: the shards finished stay.
    on_cluster = ("--cluster", cluster.address, "--shard-seconds", 1)
    first = start_cli(*render_args(music, out, performance, network_file, *on_cluster))
    wait_for_shards(shards, 1, first)
    interrupt(first, timeout=120)
    kept = len(list(shards.glob("*.mp4")))
    assert first.returncode == 1 and 1 <= kept < SHARDS, first.stderr.read()[-3000:]
    assert not out.exists()

    # The rerun draws only the others; one actor is killed (SIGKILL) in the middle of them.
    second = start_cli(*render_args(music, out, performance, network_file, *on_cluster))
    wait_for_shards(shards, kept + 1, second)
    victim = busy_actor(cluster, second)
    os.kill(victim, signal.SIGKILL)
    stdout, stderr = second.communicate(timeout=300)
    assert second.returncode == 0, stderr[-3000:]
    assert f"{SHARDS} shards: {kept} kept, {SHARDS - kept} drawn on the cluster" in stdout
    assert "an actor died" in stderr and "go to another" in stderr
    assert victim not in cluster.actor_pids()
    assert len(list(shards.glob("*.mp4"))) == SHARDS
    # The nodes have the network file under its hash, not its path.
    node_cache = Path(cluster.env["TMPDIR"]) / "gance-live-cluster"
    assert [p.name for p in node_cache.iterdir()] == [f"{file_sha256(network_file)}.safetensors"]

    local = tmp_path / "local.mp4"
    result = run_cli(*render_args(music, local, performance, network_file), timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    hashes = frame_hashes(out)
    assert len(hashes) == 40 and hashes == frame_hashes(local)   # decoded frame for frame


def test_without_ray_cluster_says_how_to_install_it(monkeypatch, capsys, music, tmp_path):
    monkeypatch.setitem(sys.modules, "ray", None)   # `import ray` fails as if not installed
    assert main(["render", str(DEMO), "--audio", str(music), "--out", str(tmp_path / "x.mp4"),
                 "--cluster", "auto"]) == 2
    assert capsys.readouterr().err.strip() == \
        "gance-live: error: --cluster needs Ray: pip install gance-live[cluster]"
    assert main(["render", str(DEMO), "--audio", str(music), "--out", str(tmp_path / "x.mp4"),
                 "--cluster", "auto", "--frame-log", str(tmp_path / "f.jsonl")]) == 2
    assert capsys.readouterr().err.strip() == \
        "gance-live: error: render --cluster: --frame-log is not available over a cluster; " \
        "render without --cluster for it"


def test_frames_that_carry_into_the_next_are_not_sharded():
    cfg = load_config(DEMO)
    trails = ShowPlan([], [DisplayState(False, False, (), 0),
                           DisplayState(False, False, (), 7,
                                        PerformedLook.declared_defaults()._replace(feedback=0.5))])
    with pytest.raises(ConfigError, match="feedback is above 0"):
        refuse_unshardable(cfg, trails)
    refuse_unshardable(cfg, ShowPlan([], trails.displays[:1]))
