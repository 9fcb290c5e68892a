"""Networks as safetensors files: the fast, code-free format gance-live loads from.

A converted network is one ``.safetensors`` file: every parameter and buffer under NVIDIA's
``state_dict`` names, and JSON metadata in the file's header (``format``, the generator's
``init_kwargs`` to rebuild the modules, and where it came from). Loading it memory-maps the
tensors and builds the modules without initialising them, so it costs a fraction of parsing a
pickle.

Pickles are converted on first load into a cache keyed by the SHA-256 of the pickle's bytes:
``$GANCE_LIVE_CACHE``, else ``$XDG_CACHE_HOME/gance-live``, else ``~/.cache/gance-live``, in
``networks/<sha256>.safetensors``. Hashing a 360 MB pickle takes a good part of a second, so
the hash of each source path is remembered together with its size and mtime and recomputed
only when those change.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

from live.contracts.outputs import atomic_output
from live.synth.errors import NetworkError
from live.synth.networks import Generator, build_generator

CACHE_ENV = "GANCE_LIVE_CACHE"     # overrides the cache folder
FORMAT = "gance-live-generator/1"  # the "format" metadata value this module writes and reads
HASH_CHUNK = 8 << 20               # bytes read at a time while hashing a source file


def cache_root() -> Path:
    """The cache folder (not created here)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "gance-live"


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def source_hash(path: Path) -> str:
    """SHA-256 of ``path``, remembered by (real path, size, mtime) in the cache folder."""
    real = Path(path).resolve()
    stat = real.stat()
    stamp = {"path": str(real), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    memo = (cache_root() / "hashes" /
            (hashlib.sha256(str(real).encode()).hexdigest()[:32] + ".json"))
    try:
        known = json.loads(memo.read_text())
        if {k: known.get(k) for k in stamp} == stamp and isinstance(known.get("sha256"), str):
            return known["sha256"]
    except (OSError, ValueError):
        pass
    sha = file_sha256(real)
    try:
        with atomic_output(memo) as tmp:
            tmp.write_text(json.dumps({**stamp, "sha256": sha}))
    except OSError:
        pass  # an unwritable cache only costs the hash next time
    return sha


def cached_path(sha256: str) -> Path:
    """Where the safetensors conversion of a source with this hash lives."""
    return cache_root() / "networks" / f"{sha256}.safetensors"


def save_safetensors(G: Generator, path: Path, source: dict[str, Any] | None = None) -> Path:
    """Write ``G`` (weights + ``init_kwargs``) to ``path`` atomically (workers loading at the
    same time never see half a file, a crash leaves the old one); returns ``path``.

    ``source`` (e.g. the pickle's name and hash) is recorded in the metadata for people.
    """
    path = Path(path)
    tensors = {name: t.detach().to("cpu", copy=True).contiguous()
               for name, t in G.state_dict().items()}
    metadata = {"format": FORMAT, "init_kwargs": json.dumps(G.init_kwargs),
                "source": json.dumps(source or {})}
    with atomic_output(path) as tmp:
        save_file(tensors, str(tmp), metadata=metadata)
    return path


def load_safetensors(path: Path, device: str = "cpu") -> Generator:
    """The :class:`Generator` stored in a gance-live safetensors file, on ``device``."""
    path = Path(path)
    try:
        with safe_open(str(path), framework="pt", device=str(device)) as f:
            metadata = f.metadata() or {}
            if metadata.get("format") != FORMAT:
                raise NetworkError(f"{path}: not a gance-live network file (metadata format "
                                   f"{metadata.get('format')!r}, expected {FORMAT!r}); convert "
                                   f"the original pickle with 'gance-live convert'")
            tensors = {name: f.get_tensor(name) for name in f.keys()}
    except SafetensorError as exc:
        raise NetworkError(f"{path}: not a readable safetensors file ({exc})") from None
    except OSError as exc:
        raise NetworkError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        init_kwargs = json.loads(metadata["init_kwargs"])
        G = build_generator(init_kwargs)
    except (KeyError, ValueError, TypeError) as exc:
        raise NetworkError(f"{path}: bad generator arguments in the metadata ({exc})") from None
    load_weights(G, tensors, str(path))
    return G  # every tensor came from the file, already on ``device``


def load_weights(G: Generator, tensors: dict[str, torch.Tensor], where: str) -> None:
    """Put ``tensors`` into ``G`` (no copy where dtype matches), checking names and shapes."""
    expected = G.state_dict()
    missing = sorted(set(expected) - set(tensors))
    unexpected = sorted(set(tensors) - set(expected))
    if missing or unexpected:
        detail = (f"missing {missing[0]}" if missing else f"unexpected {unexpected[0]}")
        raise NetworkError(f"{where}: weights do not fit the network ({detail}; "
                           f"{len(missing)} missing, {len(unexpected)} unexpected)")
    for name, value in expected.items():
        if tuple(tensors[name].shape) != tuple(value.shape):
            raise NetworkError(f"{where}: {name} has shape {tuple(tensors[name].shape)}, "
                               f"the network expects {tuple(value.shape)}")
    G.load_state_dict({k: v.to(torch.float32) for k, v in tensors.items()}, assign=True)
