"""StyleGAN2 synthesis: NVIDIA's generator in plain PyTorch, safe loaders for its network files,
the built-in demo networks, and the resident network set a worker draws frames with.

    from live.synth import load_network, NetworkSet
    G = load_network("network.pkl")          # or "x.safetensors", or "demo:0"
    nets = NetworkSet(["demo:0", "demo:1"], device="cpu")
    rgba = nets.render_rgba(ws, network=0)   # uint8 [H, W, 4]

The names below load on first use, so that reading a config (``live.synth.config``) does
not import torch: processes that never synthesise (audio, compositor) start faster.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {"NetworkError": "live.synth.errors", "load_network": "live.synth.loading",
            "convert_network": "live.synth.loading", "NetworkSet": "live.synth.netset",
            "NonFinitePicture": "live.synth.netset"}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'live.synth' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
