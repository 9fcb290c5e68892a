"""Shards of a render: where they are cut, what names them, where finished ones are kept.

Pure apart from :class:`ShardCache`'s files. A shard is a range of frames starting on a
keyframe of the render's stream (``compositor.recorder.RENDER_KEYFRAME_SECONDS``), so its
segment, encoded alone, holds the same frames as the whole render's stream there. A
finished shard is named by the content of everything that decides its pixels: the code, the
networks, the settings that draw, and its frames as planned (latents, networks, display
states); a rerun finds it by that name and skips it.
"""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

from live.contracts.outputs import atomic_output
from live.contracts.shipped import SHADER_DIR
from live.engine.plan import ShowPlan

SEGMENT_SUFFIX = ".mp4"


def shard_ranges(frames: int, keyframe_every: int, shard_keyframes: int) -> list[tuple[int, int]]:
    """``[first, end)`` of each shard: ``shard_keyframes`` keyframe intervals each, the last
    one shorter.

    >>> shard_ranges(25, 5, 2)
    [(0, 10), (10, 20), (20, 25)]
    >>> shard_ranges(3, 5, 2)
    [(0, 3)]
    """
    assert frames > 0 and keyframe_every > 0 and shard_keyframes > 0
    size = keyframe_every * shard_keyframes
    return [(first, min(first + size, frames)) for first in range(0, frames, size)]


def code_version() -> str:
    """A hash of the package's source and shaders: a shard drawn by other code is not reused."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent.parent
    for path in sorted(package.rglob("*.py")) + sorted(SHADER_DIR.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(path.parents[1])).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def show_key(code: str, networks: list[str], settings: object) -> str:
    """What every shard of a show shares: the code, the networks' content hashes (or built-in
    names), and the settings that draw (pickled: output, engine, networks' options, fps).

    >>> show_key("c", ["demo:0"], (512, 512)) == show_key("c", ["demo:0"], (512, 512))
    True
    >>> show_key("c", ["demo:0"], (512, 512)) == show_key("c", ["demo:1"], (512, 512))
    False
    """
    digest = hashlib.sha256(code.encode())
    for network in networks:
        digest.update(network.encode() + b"\0")
    digest.update(pickle.dumps(settings, protocol=4))
    return digest.hexdigest()


def shard_key(show: str, shard: ShowPlan) -> str:
    """A shard's name: the show's key, its range and its planned frames and displays."""
    digest = hashlib.sha256(f"{show}:{shard.first}:{shard.end}".encode())
    for frame in shard.frames:
        digest.update(frame.ws.tobytes())
        digest.update(repr(frame._replace(ws=None, t_features=0.0)).encode())
    digest.update(repr(shard.displays).encode())
    return digest.hexdigest()[:32]


class ShardCache:
    """Finished shards' segments in a folder (``OUT.shards/`` beside the output), one file
    per shard key, each written whole or not at all."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, key: str) -> Path:
        return self.folder / f"{key}{SEGMENT_SUFFIX}"

    def has(self, key: str) -> bool:
        return self.path(key).is_file()

    def store(self, key: str, segment: bytes) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        with atomic_output(self.path(key)) as temporary:
            Path(temporary).write_bytes(segment)
        return self.path(key)
