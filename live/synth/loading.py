"""``load_network``: one entry point for every way a network can be named.

- ``demo:N``: the built-in demo networks (see :mod:`live.synth.demo`).
- ``*.safetensors``: a converted network (see :mod:`live.synth.cache`).
- ``*.pkl``: a stylegan2-ada-pytorch / stylegan3 or TensorFlow StyleGAN2 pickle, read without
  running its code (see :mod:`live.synth.pickles`) and converted into the cache on first load.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import torch

from live.contracts.paths import check_input_file
from live.synth.cache import cached_path, load_safetensors, save_safetensors, source_hash
from live.synth.demo import DEMO_COUNT, build_demo, demo_index
from live.synth.errors import NetworkError
from live.synth.networks import Generator
from live.synth.pickles import read_network_pickle


def load_network(spec: str | Path, device: str = "cpu", cache: bool = True) -> Generator:
    """The generator named by ``spec``, in eval mode without gradients, on ``device``.

    ``cache`` False reads a pickle without touching the safetensors cache.

        >>> G = load_network("demo:0")
        >>> img = G(torch.randn(1, G.z_dim))          # [1, 3, 128, 128]
    """
    spec = str(spec)
    if spec.startswith("demo:"):
        try:
            G = build_demo(demo_index(spec))
        except ValueError as exc:
            raise NetworkError(str(exc)) from None
    else:
        path = check_input_file(Path(spec).expanduser(), "network file",
                                fix=f"give a .pkl or .safetensors path, or demo:0 .. "
                                    f"demo:{DEMO_COUNT - 1}", error=NetworkError)
        suffix = path.suffix.lower()
        if suffix == ".safetensors":
            G = load_safetensors(path, device)
        elif suffix == ".pkl":
            G = _load_pickle_cached(path) if cache else read_network_pickle(path)
        else:
            raise NetworkError(f"{path}: unknown network format '{suffix}' (expected .pkl "
                               f"or .safetensors)")
    G = G.eval().requires_grad_(False)
    # Module.to walks every module even when nothing moves; skip it when nothing would.
    if any(t.device != torch.device(device) for t in G.state_dict().values()):
        G = G.to(device)
    return G


def _load_pickle_cached(path: Path) -> Generator:
    """The pickle's network from the cache, converting it there on a miss."""
    sha = source_hash(path)
    target = cached_path(sha)
    if target.is_file():
        try:
            return load_safetensors(target)
        except NetworkError:
            pass  # a damaged cache entry is rebuilt from the pickle below
    G = read_network_pickle(path)
    try:
        save_safetensors(G, target, source={"file": path.name, "sha256": sha})
    except OSError as exc:
        warnings.warn(f"could not cache {path} as {target} ({exc}); loading from the pickle "
                      f"each time")
    return G


def convert_network(source: str | Path, out: str | Path | None = None) -> Path:
    """Convert a pickle (or any loadable spec) to a safetensors file; returns its path.

    ``out`` defaults to the source path with the ``.safetensors`` suffix.
    """
    source = Path(source)
    target = Path(out) if out is not None else source.with_suffix(".safetensors")
    if target.resolve() == source.resolve():
        raise NetworkError(f"{target}: converting would overwrite the source; pass --out")
    G = load_network(source, cache=False)
    meta = {"file": source.name}
    if source.is_file():
        meta["sha256"] = source_hash(source)
    return save_safetensors(G, target, source=meta)
