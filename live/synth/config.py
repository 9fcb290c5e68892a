"""``[networks]``: which StyleGAN2 networks the show plays."""

from __future__ import annotations

from dataclasses import dataclass

from live.contracts.schema import param


@dataclass
class NetworksConfig:
    files: list[str] = param(["demo:0", "demo:1", "demo:2", "demo:3"],
                             "networks of the show, in MIDI order: .pkl or .safetensors paths "
                             "(relative to this file), or demo:N for the built-in demo network")
    truncation_psi: float = param(1.0, "truncation toward the average W (1 = none)",
                                  range=(0.0, 2.0))
    noise_mode: str = param("const", "per-layer noise", choices=("const", "random", "none"))
    fp16: bool = param(True, "half precision on the top resolutions when on a GPU")
