"""What runs on a cluster's nodes: the shard renderers and the progress tally.

Ray makes actors of these classes (:mod:`live.cluster.render`); they are plain classes so
that this module imports without Ray. Files reach a node by content, never by path: the
driver puts each network file (and the ``[video]`` file) into Ray's object store once, keyed
by its sha256, and a node writes it into its own cache folder under that hash, fetching it
only when it is not there yet.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any, NamedTuple

from live.config import Config
from live.contracts.errors import LiveError
from live.contracts.outputs import atomic_output
from live.engine.plan import ShowPlan
from live.engine.show import ShardStage

NODE_CACHE = Path(tempfile.gettempdir()) / "gance-live-cluster"


class ShardError(LiveError, RuntimeError):
    """A shard could not be drawn (the message says which and why)."""


class ShippedFile(NamedTuple):
    """A file sent by content: its sha256, its suffix (a loader reads it), and the object
    store's reference to its bytes (None for a built-in network such as ``demo:0``, whose
    ``name`` is the spec itself)."""

    name: str
    sha256: str
    suffix: str
    ref: Any


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def materialise(shipped: ShippedFile, fetch) -> str:
    """The file on this node (fetched through ``fetch(ref)`` only when its hash is not in the
    node's cache yet); a built-in network's spec as it is."""
    if shipped.ref is None:
        return shipped.name
    target = NODE_CACHE / f"{shipped.sha256}{shipped.suffix}"
    if not target.is_file():
        data = fetch(shipped.ref)
        if hashlib.sha256(data).hexdigest() != shipped.sha256:
            raise ShardError(f"{shipped.name}: arrived damaged (sha256 differs)")
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_output(target) as temporary:
            temporary.write_bytes(data)
    return str(target)


class ShardRenderer:
    """One per GPU (or CPU worker) of the cluster: its show's files fetched once, its worker
    process (one: Ray gave this actor one GPU or one CPU) started once with every network,
    then shard after shard drawn by it and a compositor into an encoded segment, returned as
    bytes. Its processes die with it (``contracts.lifecycle``)."""

    def __init__(self, cfg: Config, networks: list[ShippedFile], video: ShippedFile | None,
                 size: int) -> None:
        import ray

        specs = [materialise(network, ray.get) for network in networks]
        video_path = Path(materialise(video, ray.get)) if video is not None else None
        self.stage = ShardStage(replace(cfg, engine=replace(cfg.engine, workers=1)), specs,
                                size, video_path)

    def ready(self) -> bool:
        """Answered once the networks are loaded (the driver hands out shards after)."""
        return True

    def render(self, shard: ShowPlan, progress) -> bytes:
        """Shard ``[first, end)`` as an mp4 holding its frames only (no audio)."""
        with tempfile.TemporaryDirectory(prefix="gance-live-shard-") as folder:
            out = Path(folder) / "shard.mp4"
            summary = self.stage.render(shard, out, lambda shown: progress.set.remote(
                shard.first, shown))
            if summary.failed or summary.frames_shown != len(shard.frames):
                raise ShardError(f"frames {shard.first}-{shard.end - 1}: {summary.stop_reason} "
                                 f"({summary.frames_shown} of {len(shard.frames)} drawn)")
            return out.read_bytes()


class Progress:
    """Frames drawn so far across the cluster, by shard (a shard drawn again after its
    actor died starts again from zero, so nothing is counted twice)."""

    def __init__(self) -> None:
        self.shown: dict[int, int] = {}

    def set(self, first: int, shown: int) -> None:
        self.shown[first] = shown

    def total(self) -> int:
        return sum(self.shown.values())
