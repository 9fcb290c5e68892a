"""Stand-ins for NVIDIA's pickling code, to write network pickles the way their tools do.

Real network files are hundreds of MB and come from training runs; tests need small ones with
known weights. The stand-ins here register modules with NVIDIA's module and class names
(``torch_utils.persistence``, ``dnnlib.util.EasyDict``, ``dnnlib.tflib.network.Network``) only
while a pickle is written or naively read, and reproduce the state layout of the real objects:

- stylegan2-ada-pytorch / stylegan3: each module pickles as
  ``_reconstruct_persistent_obj({type, version, module_src, class_name, state})`` where state is
  the ``nn.Module.__dict__`` plus ``_init_args`` / ``_init_kwargs``;
- TensorFlow: ``(G, D, Gs)`` of ``Network`` objects whose state holds ``static_kwargs``,
  ``components`` and ``variables`` (numpy arrays in TF's HWIO kernel layout).

Like the real ones, the stand-in loaders *execute* the embedded source: tests use them to prove
that a hostile payload is live (it writes its sentinel under a naive load) before showing that
gance-live refuses it.
"""

from __future__ import annotations

import contextlib
import math
import io
import pickle
import sys
import types
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import torch

from live.synth.networks import (Conv2dLayer, FullyConnectedLayer, Generator, MappingNetwork,
                                 SynthesisBlock, SynthesisLayer, SynthesisNetwork, ToRGBLayer)

PERSISTENCE_VERSION = 6   # torch_utils.persistence._version in NVIDIA's code
TF_NETWORK_VERSION = 4    # dnnlib.tflib.network state version of StyleGAN2
PICKLE_PROTOCOL = 3       # Python 3.7's default, what NVIDIA's files were written with
# Stand-in for the networks.py text every persistent object carries (never run by gance-live).
MODULE_SRC = "# stand-in for training/networks.py\nimport torch\n"
_OUR_MODULES = (Generator, MappingNetwork, SynthesisNetwork, SynthesisBlock, SynthesisLayer,
                ToRGBLayer, FullyConnectedLayer, Conv2dLayer)


class EasyDict(dict):
    """dnnlib.util.EasyDict: a dict with attribute access."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class PersistentStub:
    """What the stand-in persistence loader builds after exec-ing the embedded source."""


def _reconstruct_persistent_obj(meta: dict) -> Any:
    """Like NVIDIA's: run the module source, then build the named class from the state."""
    module = types.ModuleType("_imported_module_standin")
    exec(meta["module_src"], module.__dict__)  # noqa: S102 - the behaviour under test
    cls = module.__dict__.get(meta["class_name"], PersistentStub)
    obj = cls.__new__(cls)
    obj.__dict__.update(meta["state"])
    return obj


class Network:
    """dnnlib.tflib.network.Network: pickles its state; unpickling runs build_module_src."""

    def __init__(self, state: dict) -> None:
        self._state = state

    def __getstate__(self) -> dict:
        return self._state

    def __setstate__(self, state: dict) -> None:
        module = types.ModuleType("_tflib_network_import_standin")
        exec(state["build_module_src"], module.__dict__)  # noqa: S102 - as the real one does
        self._state = state


# Pickle records a global by its __module__: give the stand-ins NVIDIA's module names.
EasyDict.__module__ = "dnnlib.util"
_reconstruct_persistent_obj.__module__ = "torch_utils.persistence"
Network.__module__ = "dnnlib.tflib.network"


@contextlib.contextmanager
def standin_modules() -> Iterator[None]:
    """NVIDIA's module names in ``sys.modules`` for the duration (pickle resolves by name)."""
    persistence = types.ModuleType("torch_utils.persistence")
    persistence._reconstruct_persistent_obj = _reconstruct_persistent_obj
    util = types.ModuleType("dnnlib.util")
    util.EasyDict = EasyDict
    network = types.ModuleType("dnnlib.tflib.network")
    network.Network = Network
    modules = {"torch_utils": types.ModuleType("torch_utils"),
               "torch_utils.persistence": persistence, "dnnlib": types.ModuleType("dnnlib"),
               "dnnlib.util": util, "dnnlib.tflib": types.ModuleType("dnnlib.tflib"),
               "dnnlib.tflib.network": network}
    saved = {name: sys.modules.get(name) for name in modules}
    sys.modules.update(modules)
    try:
        yield
    finally:
        for name, old in saved.items():
            if old is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = old


def _easy(value: Any) -> Any:
    if isinstance(value, dict):
        return EasyDict({k: _easy(v) for k, v in value.items()})
    return value


class _PersistencePickler(pickle.Pickler):
    """Pickles our modules the way NVIDIA's persistent classes pickle theirs."""

    def __init__(self, file: io.BufferedIOBase, root_kwargs: dict, module_src: str,
                 class_names: dict[int, str]) -> None:
        super().__init__(file, protocol=PICKLE_PROTOCOL)
        self.root_kwargs = root_kwargs
        self.module_src = module_src
        self.class_names = class_names

    def reducer_override(self, obj: Any) -> Any:
        if not isinstance(obj, _OUR_MODULES):
            return NotImplemented
        state = {k: v for k, v in obj.__dict__.items() if k != "init_kwargs"}
        state["_init_args"] = ()
        state["_init_kwargs"] = self.root_kwargs if isinstance(obj, Generator) else EasyDict()
        meta = dict(type="class", version=PERSISTENCE_VERSION, module_src=self.module_src,
                    class_name=self.class_names.get(id(obj), type(obj).__name__), state=state)
        return _reconstruct_persistent_obj, (meta,)


def write_pytorch_pickle(G: Generator, path: Path, flavour: str = "ada",
                         module_src: str = MODULE_SRC,
                         class_names: dict[int, str] | None = None,
                         extra: dict[str, Any] | None = None) -> Path:
    """Write ``G`` as a stylegan2-ada-pytorch (``flavour="ada"``: nested synthesis_kwargs) or
    stylegan3 (``"sg3"``: flat synthesis kwargs) ``{G, D, G_ema, ...}`` pickle.

    ``class_names`` renames chosen modules (by ``id``) for tests of unknown classes; ``extra``
    entries are appended to the top-level dict (after the networks).
    """
    kwargs = dict(G.init_kwargs)
    if flavour == "sg3":
        kwargs.update(kwargs.pop("synthesis_kwargs"))
    else:
        assert flavour == "ada", flavour
    data = {"G": G, "D": G.mapping, "G_ema": G, "augment_pipe": None,
            "training_set_kwargs": EasyDict(resolution=G.img_resolution, use_labels=False),
            **(extra or {})}
    with standin_modules(), open(path, "wb") as f:
        _PersistencePickler(f, _easy(kwargs), module_src, class_names or {}).dump(data)
    return Path(path)


def _oihw_to_hwio(weight: torch.Tensor, flip: bool = False) -> np.ndarray:
    kernel = weight.detach().numpy().transpose(2, 3, 1, 0)
    return kernel[::-1, ::-1].copy() if flip else kernel.copy()


def tf_variables(G: Generator) -> tuple[list, list, list]:
    """(top, mapping, synthesis) TF variable lists ``[(name, ndarray)]`` holding ``G``."""
    def arr(t: torch.Tensor) -> np.ndarray:
        return t.detach().numpy().astype(np.float32).copy()

    top = [("lod", np.float32(0)), ("dlatent_avg", arr(G.mapping.w_avg))]
    mapping = []
    for idx in range(G.mapping.num_layers):
        fc = getattr(G.mapping, f"fc{idx}")
        mapping += [(f"Dense{idx}/weight", arr(fc.weight).T.copy()),
                    (f"Dense{idx}/bias", arr(fc.bias))]
    synthesis = []
    noise_index = 0

    def layer_vars(scope: str, layer: SynthesisLayer, flip: bool) -> None:
        nonlocal noise_index
        synthesis.extend([
            (f"{scope}/weight", _oihw_to_hwio(layer.weight, flip)),
            (f"{scope}/mod_weight", arr(layer.affine.weight).T.copy()),
            (f"{scope}/mod_bias", arr(layer.affine.bias) - 1),
            (f"{scope}/noise_strength", arr(layer.noise_strength)),
            (f"{scope}/bias", arr(layer.bias)),
            (f"noise{noise_index}", arr(layer.noise_const)[None, None]),
        ])
        noise_index += 1

    for block in G.synthesis.blocks():
        r = block.resolution
        if block.in_channels == 0:
            synthesis.append(("4x4/Const/const", arr(block.const)[None]))
            layer_vars("4x4/Conv", block.conv1, flip=False)
        else:
            layer_vars(f"{r}x{r}/Conv0_up", block.conv0, flip=True)
            layer_vars(f"{r}x{r}/Conv1", block.conv1, flip=False)
            if hasattr(block, "skip"):
                synthesis.append((f"{r}x{r}/Skip/weight", _oihw_to_hwio(block.skip.weight, True)))
        if hasattr(block, "torgb"):
            synthesis += [(f"{r}x{r}/ToRGB/weight", _oihw_to_hwio(block.torgb.weight)),
                          (f"{r}x{r}/ToRGB/mod_weight", arr(block.torgb.affine.weight).T.copy()),
                          (f"{r}x{r}/ToRGB/mod_bias", arr(block.torgb.affine.bias) - 1),
                          (f"{r}x{r}/ToRGB/bias", arr(block.torgb.bias))]
    return top, mapping, synthesis


def write_tf_pickle(G: Generator, path: Path, static_kwargs: dict | None = None,
                    build_module_src: str = MODULE_SRC,
                    synthesis_func: str = "G_synthesis_stylegan2") -> Path:
    """Write ``G`` as a TensorFlow StyleGAN2 ``(G, D, Gs)`` pickle (config-e/f layout)."""
    synth = G.init_kwargs["synthesis_kwargs"]
    static = {"num_channels": G.img_channels, "resolution": G.img_resolution, "label_size": 0,
              "fmap_base": synth.get("channel_base", 32768) // 2,
              "fmap_max": synth.get("channel_max", 512),
              "architecture": synth.get("architecture", "skip")}
    static.update(static_kwargs or {})
    top, mapping, synthesis = tf_variables(G)

    def net(name: str, func: str, variables: list, components: dict) -> Network:
        return Network({"version": TF_NETWORK_VERSION, "name": name, "static_kwargs": static,
                        "components": components, "build_module_src": build_module_src,
                        "build_func_name": func, "variables": variables})

    def generator(name: str) -> Network:
        return net(name, "G_main", top, {
            "mapping": net("G_mapping", "G_mapping", mapping, {}),
            "synthesis": net("G_synthesis", synthesis_func, synthesis, {})})

    D = net("D", "D_stylegan2", [("Output/weight", np.zeros((4, 1), np.float32))], {})
    with standin_modules(), open(path, "wb") as f:
        pickle.dump((generator("G"), D, generator("Gs")), f, protocol=PICKLE_PROTOCOL)
    return Path(path)


def naive_load(path: Path) -> Any:
    """What NVIDIA's own loaders effectively do: plain ``pickle.load`` with their classes."""
    with standin_modules(), open(path, "rb") as f:
        return pickle.load(f)


def picture_network(picture: np.ndarray, channels: int = 4) -> Generator:
    """A real (tiny) StyleGAN2 generator that draws ``picture`` ([R, R] uint8 grey, R a power
    of two) whatever the latent: every convolution and every earlier toRGB is zero, so the
    last layer's output is its stored noise, which holds the picture, and the last toRGB
    maps it to grey from -1 (black) to 1 (white). For tests that need a known face on screen.
    """
    resolution = picture.shape[0]
    assert picture.shape == (resolution, resolution) and picture.dtype == np.uint8
    G = Generator(z_dim=512, c_dim=0, w_dim=512, img_resolution=resolution, img_channels=3,
                  mapping_kwargs=dict(num_layers=2),
                  synthesis_kwargs=dict(channel_base=channels * resolution,
                                        channel_max=channels))
    with torch.no_grad():
        # Zeros everywhere (resampling filters too: they only ever filter zeros here).
        for tensor in (*G.parameters(), *G.buffers()):
            if tensor.is_floating_point():
                tensor.zero_()
        last = getattr(G.synthesis, f"b{resolution}")
        # conv1 = lrelu(0 + noise) * sqrt(2): the picture in [0, sqrt 2] on every channel.
        last.conv1.noise_const.copy_(torch.from_numpy(picture.astype(np.float32) / 255))
        last.conv1.noise_strength.fill_(1.0)
        # toRGB: styles = affine bias 1 x weight_gain; channel 0 alone, scaled to 2 * grey - 1.
        last.torgb.affine.bias.fill_(1.0)
        last.torgb.weight[:, 0] = 2.0 / (math.sqrt(2.0) * last.torgb.weight_gain)
        last.torgb.bias.fill_(-1.0)
    return G.eval().requires_grad_(False)
