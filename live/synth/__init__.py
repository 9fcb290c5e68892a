"""StyleGAN2 synthesis: NVIDIA's generator in plain PyTorch, safe loaders for its network files,
the built-in demo networks, and the resident network set a worker draws frames with.

    from live.synth import load_network, NetworkSet
    G = load_network("network.pkl")          # or "x.safetensors", or "demo:0"
    nets = NetworkSet(["demo:0", "demo:1"], device="cpu")
    rgba = nets.render_rgba(ws, network=0)   # uint8 [H, W, 4]
"""

from live.synth.errors import NetworkError
from live.synth.loading import convert_network, load_network
from live.synth.netset import NetworkSet

__all__ = ["NetworkError", "NetworkSet", "convert_network", "load_network"]
