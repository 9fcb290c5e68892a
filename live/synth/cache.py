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
from typing import Any, NoReturn

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

from live.contracts.outputs import atomic_output
from live.synth.errors import NetworkError
from live.synth.networks import Generator, build_generator

CACHE_ENV = "GANCE_LIVE_CACHE"     # overrides the cache folder
FORMAT = "gance-live-generator/1"  # the "format" metadata value this module writes and reads
HASH_CHUNK = 8 << 20               # bytes read at a time while hashing a source file

# Bounds on the sizes a network file's metadata may ask for, checked before anything is built:
# every StyleGAN2/3 release stays well inside them (1024 px, 512-wide W, 512 channels), and a
# damaged header then cannot make the loader allocate gigabytes or divide by zero.
MAX_RESOLUTION = 4096
MAX_LATENT_DIM = 4096        # z_dim, w_dim and the mapping network's layer widths
MAX_LABELS = 65536           # c_dim of a conditional network
MAX_CHANNELS = 4096          # channel_max
MAX_CHANNEL_BASE = 1 << 24   # channel_base (channel_max caps the channels it gives)
MAX_MAPPING_LAYERS = 64
IMAGE_CHANNELS = (1, 3)      # grey or RGB: what the frame path shows


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
    """The :class:`Generator` stored in a gance-live safetensors file, on ``device``.

    The metadata's sizes are checked, and the network they describe is laid out on the meta
    device and compared with the file's tensor shapes, before anything is allocated."""
    path = Path(path)
    try:
        with safe_open(str(path), framework="pt", device=str(device)) as f:
            metadata = f.metadata() or {}
            if metadata.get("format") != FORMAT:
                raise NetworkError(f"{path}: not a gance-live network file (metadata format "
                                   f"{metadata.get('format')!r}, expected {FORMAT!r}); convert "
                                   f"the original pickle with 'gance-live convert'")
            init_kwargs, layout = _checked_layout(metadata, str(path))
            check_fits(layout, {name: tuple(f.get_slice(name).get_shape()) for name in f.keys()},
                       str(path))
            tensors = {name: f.get_tensor(name) for name in f.keys()}
    except SafetensorError as exc:
        raise NetworkError(f"{path}: not a readable safetensors file ({exc})") from None
    except OSError as exc:
        raise NetworkError(f"{path}: cannot read ({exc.strerror or exc})") from None
    G = build_generator(init_kwargs)
    load_weights(G, tensors, str(path))
    return G  # every tensor came from the file, already on ``device``


def _checked_layout(metadata: dict[str, str], where: str
                    ) -> tuple[dict[str, Any], dict[str, tuple[int, ...]]]:
    """The generator's ``init_kwargs`` from a file's metadata, every size checked against the
    bounds above, and the shape of every tensor the network they describe holds (laid out on
    the meta device: nothing is allocated)."""
    def fail(detail: str) -> NoReturn:
        raise NetworkError(f"{where}: bad generator arguments in the metadata ({detail}); "
                           f"the file is damaged: convert the original pickle again")

    try:
        kwargs = json.loads(metadata["init_kwargs"])
    except KeyError:
        fail("no init_kwargs")
    except ValueError as exc:
        fail(f"init_kwargs is not JSON: {exc}")
    if not isinstance(kwargs, dict):
        fail(f"init_kwargs is {type(kwargs).__name__}, not an object")
    synthesis = kwargs.get("synthesis_kwargs") or {}
    mapping = kwargs.get("mapping_kwargs") or {}
    if not isinstance(synthesis, dict) or not isinstance(mapping, dict):
        fail("synthesis_kwargs and mapping_kwargs must be objects")

    def size(table: dict[str, Any], key: str, low: int, high: int, required: bool = True,
             label: str = "") -> int | None:
        value = table.get(key)
        if value is None and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            fail(f"{label}{key} is {value!r}, expected a whole number from {low} to {high}")
        return value

    resolution = size(kwargs, "img_resolution", 4, MAX_RESOLUTION)
    if resolution & (resolution - 1):
        fail(f"img_resolution is {resolution}, not a power of two")
    size(kwargs, "z_dim", 1, MAX_LATENT_DIM)
    size(kwargs, "w_dim", 1, MAX_LATENT_DIM)
    size(kwargs, "c_dim", 0, MAX_LABELS)
    if kwargs.get("img_channels") not in IMAGE_CHANNELS:
        fail(f"img_channels is {kwargs.get('img_channels')!r}, expected 1 (grey) or 3 (RGB)")
    size(synthesis, "channel_max", 1, MAX_CHANNELS, required=False, label="synthesis_kwargs.")
    # Each resolution r gets channel_base // r channels: at least one at the top resolution.
    size(synthesis, "channel_base", resolution, MAX_CHANNEL_BASE, required=False,
         label="synthesis_kwargs.")
    size(synthesis, "num_fp16_res", 0, 16, required=False, label="synthesis_kwargs.")
    size(mapping, "num_layers", 1, MAX_MAPPING_LAYERS, required=False, label="mapping_kwargs.")
    for key in ("layer_features", "embed_features"):
        size(mapping, key, 1, MAX_LATENT_DIM, required=False, label="mapping_kwargs.")
    try:  # what the sizes do not cover (unknown or ill-typed arguments) fails here
        with torch.device("meta"):
            layout = build_generator(kwargs).state_dict()
    except (ValueError, TypeError, KeyError, RuntimeError) as exc:
        fail(str(exc))
    return kwargs, {name: tuple(t.shape) for name, t in layout.items()}


def check_fits(expected: dict[str, tuple[int, ...]], found: dict[str, tuple[int, ...]],
               where: str) -> None:
    """Raise :class:`NetworkError` unless the tensor names and shapes ``found`` in a file are
    exactly those the network ``expected``."""
    missing = sorted(set(expected) - set(found))
    unexpected = sorted(set(found) - set(expected))
    if missing or unexpected:
        detail = (f"missing {missing[0]}" if missing else f"unexpected {unexpected[0]}")
        raise NetworkError(f"{where}: weights do not fit the network ({detail}; "
                           f"{len(missing)} missing, {len(unexpected)} unexpected)")
    for name, shape in expected.items():
        if found[name] != shape:
            raise NetworkError(f"{where}: {name} has shape {found[name]}, the network expects "
                               f"{shape}")


def load_weights(G: Generator, tensors: dict[str, torch.Tensor], where: str) -> None:
    """Put ``tensors`` into ``G`` (no copy where dtype matches), checking names and shapes."""
    check_fits({name: tuple(t.shape) for name, t in G.state_dict().items()},
               {name: tuple(t.shape) for name, t in tensors.items()}, where)
    G.load_state_dict({k: v.to(torch.float32) for k, v in tensors.items()}, assign=True)
