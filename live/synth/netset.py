"""Every network of a show resident on one device, drawing RGBA8 frames into frame slots.

A worker holds one :class:`NetworkSet`. Switching networks costs nothing (they are all
loaded); a crossfade between two networks of one training run interpolates their weights into
a third, scratch generator, recomputed only when the pair or the amount changes (a fader moves
a few times a second, frames come 30-240 times).

On CUDA the frame is converted to RGBA8 on the GPU, copied asynchronously into a pinned host
buffer and from there into the slot; synthesis plus conversion is captured once per network
as a CUDA graph (fixed batch shape 1), so a frame is one graph replay and one copy.
"""

from __future__ import annotations

import copy
import warnings
from typing import Callable, NoReturn

import numpy as np
import torch

from live.synth.errors import NetworkError
from live.synth.loading import load_network
from live.synth.networks import NOISE_MODES, Generator, enable_fp16

GRAPH_WARMUP_RUNS = 3  # eager runs on a side stream before capture (cuDNN picks algorithms)


class NonFinitePicture(NetworkError):
    """A network drew NaN or inf (damaged weights, or a latent it cannot take): no RGBA was
    written, since NaN would come out black."""


def image_to_rgb8(img: torch.Tensor) -> torch.Tensor:
    """``[C, H, W]`` float in about [-1, 1] -> ``[H, W, 3]`` uint8, NVIDIA's convention
    (``x * 127.5 + 128``, clamped). One-channel networks are shown grey."""
    assert img.ndim == 3 and img.shape[0] in (1, 3), img.shape
    rgb = (img * 127.5 + 128).clamp(0, 255).to(torch.uint8)
    return rgb.expand(3, -1, -1).permute(1, 2, 0)


class NetworkSet:
    """Networks ``specs`` (paths or ``demo:N``) resident on ``device``.

    ``fp16`` runs the top resolutions in half precision where the device is a GPU (ignored
    on the CPU). All networks must share ``num_ws``, ``w_dim`` and ``img_resolution``: one W+
    latent drives any of them. ``cuda_graphs=False`` draws every frame eagerly on a GPU (to
    measure what the graphs save).
    """

    def __init__(self, specs: list[str], device: str, fp16: bool = True,
                 cuda_graphs: bool = True) -> None:
        if not specs:
            raise NetworkError("no networks given (list .pkl/.safetensors paths or demo:N)")
        self.specs = list(specs)
        self.device = torch.device(device)
        self.cuda = self.device.type == "cuda"
        self.fp16 = fp16 and self.cuda
        self.cuda_graphs = cuda_graphs
        self.nets: list[Generator] = []
        for spec in self.specs:
            G = load_network(spec, device=str(self.device))
            if self.fp16:
                enable_fp16(G)
            self.nets.append(G)
        first = self.nets[0]
        for spec, G in zip(self.specs[1:], self.nets[1:]):
            for attr in ("num_ws", "w_dim", "img_resolution"):
                if getattr(G, attr) != getattr(first, attr):
                    raise NetworkError(
                        f"{spec}: {attr} is {getattr(G, attr)} but {self.specs[0]} has "
                        f"{getattr(first, attr)}; all networks of a show must share num_ws, "
                        f"w_dim and resolution")
        self.num_ws = first.num_ws
        self.w_dim = first.w_dim
        self.img_resolution = first.img_resolution
        self._blend: Generator | None = None
        self._blend_key: tuple[int, int, float] | None = None
        self._cuda = _CudaFrames(self) if self.cuda else None

    def __len__(self) -> int:
        return len(self.nets)

    def generator(self, network: int, crossfade_to: int = -1, crossfade: float = 0.0) -> Generator:
        """The generator that draws ``network`` crossfaded ``crossfade`` (0..1) toward
        ``crossfade_to`` (-1 = none): one of the resident networks, or the blend of two."""
        self._check_index(network)
        if crossfade_to < 0 or crossfade <= 0.0 or crossfade_to == network:
            return self.nets[network]
        self._check_index(crossfade_to)
        if crossfade >= 1.0:
            return self.nets[crossfade_to]
        key = (network, crossfade_to, float(crossfade))
        if key != self._blend_key:
            self._blend_weights(network, crossfade_to, float(crossfade))
            self._blend_key = key
        assert self._blend is not None
        return self._blend

    @torch.no_grad()
    def _blend_weights(self, a: int, b: int, t: float) -> None:
        """Write ``lerp(weights[a], weights[b], t)`` into the scratch generator."""
        net_a, net_b = self.nets[a], self.nets[b]
        state_a, state_b = net_a.state_dict(), net_b.state_dict()
        if not _same_layout(state_a, state_b):
            raise NetworkError(f"cannot crossfade {self.specs[a]} and {self.specs[b]}: their "
                               f"architectures differ (a weight crossfade needs two networks "
                               f"of one training run)")
        if self._blend is None or not _same_layout(self._blend.state_dict(), state_a):
            if self._blend is not None and self._cuda is not None:
                self._cuda.forget(self._blend)
            self._blend = copy.deepcopy(net_a)
        blend_state = self._blend.state_dict()
        for name, target in blend_state.items():
            if target.is_floating_point():
                torch.lerp(state_a[name], state_b[name], t, out=target)

    def _check_index(self, network: int) -> None:
        if not 0 <= network < len(self.nets):
            raise IndexError(f"network {network} out of range: the show has {len(self.nets)}")

    @torch.no_grad()
    def render_rgba(self, ws: np.ndarray, network: int, crossfade_to: int = -1,
                    crossfade: float = 0.0, noise_mode: str = "const",
                    out: np.ndarray | None = None) -> np.ndarray:
        """Draw W+ ``ws`` (``[num_ws, w_dim]`` float32) as RGBA8 ``[H, W, 4]`` (alpha 255).

        Written into ``out`` (e.g. a shared-memory frame slot) when given, else a new array.
        Raises :class:`NonFinitePicture`, leaving ``out`` as it was, when the picture holds
        NaN or inf (checked on the device, before the conversion).
        """
        assert ws.shape == (self.num_ws, self.w_dim), (ws.shape, self.num_ws, self.w_dim)
        assert noise_mode in NOISE_MODES, noise_mode
        size = self.img_resolution
        if out is None:
            out = np.empty((size, size, 4), np.uint8)
        assert out.shape == (size, size, 4) and out.dtype == np.uint8, (out.shape, out.dtype)
        G = self.generator(network, crossfade_to, crossfade)
        if self._cuda is not None:
            if not self._cuda.render(G, ws, noise_mode, out):
                self._not_finite(network, crossfade_to, crossfade)
            return out
        ws_t = torch.from_numpy(np.ascontiguousarray(ws, dtype=np.float32))[None]
        img = G.synthesis(ws_t, noise_mode=noise_mode, force_fp32=True)
        if not torch.isfinite(img).all():
            self._not_finite(network, crossfade_to, crossfade)
        frame = torch.from_numpy(out)
        frame[..., :3].copy_(image_to_rgb8(img[0]))
        frame[..., 3] = 255
        return out

    def _not_finite(self, network: int, crossfade_to: int, crossfade: float) -> NoReturn:
        drawn = f"network {network + 1} ({self.specs[network]})"
        if crossfade_to >= 0 and 0.0 < crossfade:
            drawn += f" crossfaded {crossfade:.2f} to {crossfade_to + 1} ({self.specs[crossfade_to]})"
        raise NonFinitePicture(f"{drawn} drew NaN/inf: its weights are damaged or the latent "
                               f"is out of its range")


def _same_layout(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    """True when two state dicts have the same names and shapes (weights can be mixed)."""
    return a.keys() == b.keys() and all(a[k].shape == b[k].shape for k in a)


class _CudaFrames:
    """The GPU frame path of a :class:`NetworkSet`: a static W+ input, RGBA8 conversion on
    the device, a pinned host buffer filled by an async copy, and one CUDA graph per
    (generator, noise mode), captured on first use. Each graph keeps its own memory pool:
    sharing one would save memory but ties replay order to capture order."""

    def __init__(self, netset: NetworkSet) -> None:
        self.netset = netset
        size = netset.img_resolution
        device = netset.device
        self.ws = torch.zeros([1, netset.num_ws, netset.w_dim], device=device)
        self.rgba = torch.full([size, size, 4], 255, dtype=torch.uint8, device=device)
        self.host = torch.empty([size, size, 4], dtype=torch.uint8, pin_memory=True)
        self.host_np = self.host.numpy()
        # Whether the picture was finite: one reduction on the device, copied with the pixels.
        self.finite = torch.ones([], dtype=torch.bool, device=device)
        self.finite_host = torch.ones([], dtype=torch.bool, pin_memory=True)
        self.copied = torch.cuda.Event()
        # Frame shapes never change, so cuDNN may time its algorithms once and keep the best.
        torch.backends.cudnn.benchmark = True
        self.graphs: dict[tuple[int, str], torch.cuda.CUDAGraph | None] = {}

    def forget(self, G: Generator) -> None:
        """Drop the graphs of ``G`` (a scratch blend generator about to be replaced)."""
        for key in [k for k in self.graphs if k[0] == id(G)]:
            del self.graphs[key]

    def _step(self, G: Generator, noise_mode: str) -> Callable[[], None]:
        force_fp32 = not self.netset.fp16

        def step() -> None:
            img = G.synthesis(self.ws, noise_mode=noise_mode, force_fp32=force_fp32)
            self.finite.copy_(torch.isfinite(img).all())
            self.rgba[..., :3].copy_(image_to_rgb8(img[0]))
        return step

    def _graph(self, G: Generator, noise_mode: str) -> torch.cuda.CUDAGraph | None:
        key = (id(G), noise_mode)
        if not self.netset.cuda_graphs:
            return None
        if key not in self.graphs:
            step = self._step(G, noise_mode)
            side = torch.cuda.Stream(self.netset.device)
            side.wait_stream(torch.cuda.current_stream())
            try:
                with torch.cuda.stream(side):
                    for _ in range(GRAPH_WARMUP_RUNS):
                        step()
                torch.cuda.current_stream().wait_stream(side)
                graph = torch.cuda.CUDAGraph()
                with torch.cuda.graph(graph):
                    step()
            except RuntimeError as exc:
                warnings.warn(f"CUDA graph capture failed, drawing eagerly: {exc}")
                torch.cuda.synchronize(self.netset.device)
                graph = None
            self.graphs[key] = graph
        return self.graphs[key]

    def render(self, G: Generator, ws: np.ndarray, noise_mode: str, out: np.ndarray) -> bool:
        """Draw into ``out``; False (and ``out`` untouched) when the picture was not finite."""
        self.ws.copy_(torch.from_numpy(np.ascontiguousarray(ws, dtype=np.float32))[None])
        graph = self._graph(G, noise_mode)
        if graph is not None:
            graph.replay()
        else:
            self._step(G, noise_mode)()
        self.host.copy_(self.rgba, non_blocking=True)
        self.finite_host.copy_(self.finite, non_blocking=True)
        self.copied.record()
        self.copied.synchronize()
        if not bool(self.finite_host):
            return False
        np.copyto(out, self.host_np)
        return True
