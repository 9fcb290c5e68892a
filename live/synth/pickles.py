"""Reading NVIDIA's network pickles without running any of the code they carry.

A pickle is a small program: unpickling calls whatever functions the file names. NVIDIA's
pickles name their own code on purpose. stylegan2-ada-pytorch / stylegan3 pickles rebuild
every module through ``torch_utils.persistence._reconstruct_persistent_obj``, which
``exec``-utes the Python source stored in the file; TensorFlow StyleGAN2 pickles rebuild
``dnnlib.tflib.network.Network`` objects, whose ``__setstate__`` does the same with
``build_module_src``. A network downloaded from the internet can therefore run anything.

:class:`SafeUnpickler` answers every import the file asks for from a short allowlist of
harmless stand-ins and refuses the rest with a message naming what was asked for:

- ``_reconstruct_persistent_obj`` -> :class:`PersistentObject`, which only *keeps* the class
  name, the (never executed) source text and the state dict;
- ``Network`` -> :class:`TFNetwork`, which only keeps its state dict;
- tensors and numpy arrays are rebuilt by torch's / numpy's own data-only functions, storages
  through ``torch.load(weights_only=True)``.

The generator is then rebuilt by *our* code from the data: the constructor arguments
(``_init_kwargs``, or TensorFlow's ``static_kwargs``) and the tensors, mapped to NVIDIA's
PyTorch ``state_dict`` names (the TensorFlow mapping follows NVIDIA's ``legacy.py``: kernels
transposed from HWIO to OIHW and flipped for upsampling convs, ``mod_bias + 1``, noise inputs
renumbered by resolution, ``dlatent_avg`` -> ``mapping.w_avg``).
"""

from __future__ import annotations

import collections
import io
import pickle
import re
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import torch

from live.synth.cache import load_weights
from live.synth.errors import NetworkError
from live.synth.networks import Generator, build_generator

# Classes a StyleGAN2 generator's persistent objects may have (others are refused by name).
STYLEGAN2_CLASSES = frozenset({"Generator", "MappingNetwork", "SynthesisNetwork",
                               "SynthesisBlock", "SynthesisLayer", "ToRGBLayer",
                               "FullyConnectedLayer", "Conv2dLayer"})
# Only in stylegan3's alias-free generator: a different architecture we do not draw.
STYLEGAN3_MARKERS = frozenset({"SynthesisInput"})


class PersistentObject:
    """What a ``torch_utils.persistence`` object is, as data: its class name, its module
    source (text only, never executed) and its state (the module's ``__dict__``)."""

    def __init__(self, class_name: str, module_src: str, state: dict[str, Any]) -> None:
        self.class_name = class_name
        self.module_src = module_src
        self.state = state

    def children(self) -> dict[str, PersistentObject]:
        """Sub-modules by attribute name (``_modules`` of the state)."""
        return {k: v for k, v in (self.state.get("_modules") or {}).items() if v is not None}

    def __repr__(self) -> str:
        return f"PersistentObject({self.class_name})"


class TFNetwork:
    """A ``dnnlib.tflib.network.Network`` as data: the state dict its pickle stored
    (``version``, ``name``, ``static_kwargs``, ``components``, ``build_func_name``,
    ``variables`` as ``[(name, ndarray)]`` ...); ``build_module_src`` is never executed."""

    def __setstate__(self, state: dict[str, Any]) -> None:
        if not isinstance(state, dict):
            raise pickle.UnpicklingError("TensorFlow Network state is not a dict")
        self.state = state

    def __repr__(self) -> str:
        return f"TFNetwork({self.state.get('name')!r})"


class EasyDict(dict):
    """Stand-in for ``dnnlib.util.EasyDict`` (a dict with attribute access; only data here)."""


def _reconstruct_persistent_obj(meta: dict[str, Any]) -> PersistentObject:
    if not isinstance(meta, dict) or meta.get("type") != "class":
        raise pickle.UnpicklingError("persistent object metadata is not a class record")
    state = meta.get("state")
    if not isinstance(state, dict):
        raise pickle.UnpicklingError(f"persistent {meta.get('class_name')} has no state dict")
    return PersistentObject(str(meta.get("class_name")), str(meta.get("module_src", "")), state)


def _load_storage_bytes(data: bytes) -> Any:
    """A storage that torch pickled as bytes of its legacy ``torch.save`` format."""
    if not isinstance(data, (bytes, bytearray)):
        raise pickle.UnpicklingError("tensor storage is not bytes")
    return torch.load(io.BytesIO(data), weights_only=True)


def _rebuild_tensor(storage: Any, storage_offset: int, size: tuple, stride: tuple,
                    requires_grad: bool = False, backward_hooks: Any = None,
                    metadata: Any = None) -> torch.Tensor:
    if not isinstance(storage, (torch.TypedStorage, torch.UntypedStorage)):
        raise pickle.UnpicklingError("tensor data is not a torch storage")
    return torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, False,
                                           collections.OrderedDict())


def _rebuild_parameter(data: torch.Tensor, requires_grad: bool = False,
                       backward_hooks: Any = None, state: Any = None) -> torch.Tensor:
    if not isinstance(data, torch.Tensor):
        raise pickle.UnpicklingError("parameter data is not a tensor")
    return data


def _numpy_reconstruct(subtype: type, shape: tuple, dtype_code: Any) -> np.ndarray:
    if subtype is not np.ndarray:
        raise pickle.UnpicklingError("only plain numpy arrays are allowed")
    return np.ndarray.__new__(np.ndarray, shape, dtype_code)


def _numpy_scalar(dtype: np.dtype, data: bytes) -> Any:
    if not isinstance(dtype, np.dtype) or dtype.hasobject or not isinstance(data, bytes):
        raise pickle.UnpicklingError("only plain numpy scalars are allowed")
    return np.frombuffer(data, dtype=dtype, count=1)[0]


# Every global a network pickle may import, with the harmless object it gets instead.
_ALLOWED: dict[tuple[str, str], Any] = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("builtins", "set"): set,           # nn.Module._non_persistent_buffers_set (protocol < 4)
    ("builtins", "frozenset"): frozenset,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
    ("torch.storage", "_load_from_bytes"): _load_storage_bytes,
    ("torch_utils.persistence", "_reconstruct_persistent_obj"): _reconstruct_persistent_obj,
    ("dnnlib.util", "EasyDict"): EasyDict,
    ("dnnlib.tflib.network", "Network"): TFNetwork,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("numpy.core.multiarray", "_reconstruct"): _numpy_reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _numpy_reconstruct,
    ("numpy.core.multiarray", "scalar"): _numpy_scalar,
    ("numpy._core.multiarray", "scalar"): _numpy_scalar,
}


class RefusedImport(pickle.UnpicklingError):
    """The pickle asked for a global outside the allowlist (nothing of it was run)."""

    def __init__(self, module: str, name: str) -> None:
        super().__init__(f"{module}.{name}")
        self.module = module
        self.name = name


class SafeUnpickler(pickle.Unpickler):
    """An unpickler that can only build data: see the module docstring."""

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise RefusedImport(module, name) from None

    def persistent_load(self, pid: Any) -> Any:
        raise pickle.UnpicklingError("persistent ids are not used by network pickles")


def safe_load(path: Path) -> Any:
    """Unpickle ``path`` with :class:`SafeUnpickler`; every failure is a :class:`NetworkError`
    naming the file and the problem."""
    try:
        with open(path, "rb") as f:
            return SafeUnpickler(f).load()
    except RefusedImport as exc:
        raise NetworkError(f"{path}: refused: the pickle tries to import {exc.module}.{exc.name}, "
                           f"which no network file needs (it may be malicious; nothing in it "
                           f"was run)") from None
    except OSError as exc:
        raise NetworkError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except NetworkError:
        raise
    except Exception as exc:  # a corrupt stream can fail in any unpickling step
        if isinstance(exc, EOFError) or "truncated" in str(exc):
            raise NetworkError(f"{path}: truncated pickle (the file ends early; download or "
                               f"copy it again)") from None
        raise NetworkError(f"{path}: corrupt pickle ({type(exc).__name__}: {exc})") from None


def read_network_pickle(path: str | Path) -> Generator:
    """The generator of a stylegan2-ada-pytorch / stylegan3 pickle (``G_ema``) or of a
    TensorFlow StyleGAN2 pickle (``Gs`` of ``(G, D, Gs)``), in eval mode on the CPU."""
    path = Path(path)
    data = safe_load(path)
    try:
        if isinstance(data, dict) and isinstance(data.get("G_ema"), PersistentObject):
            return generator_from_persistent(data["G_ema"], str(path))
        if (isinstance(data, tuple) and len(data) == 3
                and all(isinstance(n, TFNetwork) for n in data)):
            return generator_from_tf(data[2], str(path))
        if isinstance(data, TFNetwork):
            return generator_from_tf(data, str(path))
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, NetworkError):
            raise
        # The pickle parsed but holds something other than the layout NVIDIA's tools write.
        raise NetworkError(f"{path}: unexpected network layout ({type(exc).__name__}: "
                           f"{exc})") from None
    raise NetworkError(f"{path}: not a StyleGAN2 network pickle (expected a dict with G_ema, "
                       f"or a TensorFlow (G, D, Gs) tuple; found {type(data).__name__})")


# --- stylegan2-ada-pytorch / stylegan3 ---------------------------------------------------

# Positional order of NVIDIA's Generator arguments (``_init_args`` are rarely used).
_GENERATOR_ARGS = ("z_dim", "c_dim", "w_dim", "img_resolution", "img_channels",
                   "mapping_kwargs", "synthesis_kwargs")


def _plain(value: Any) -> Any:
    """EasyDicts and tuples to plain dicts and lists (JSON-friendly ``init_kwargs``)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _walk(obj: PersistentObject, prefix: str = "") -> Iterator[tuple[str, PersistentObject]]:
    """(dotted name, object) for ``obj`` and every sub-module below it."""
    yield prefix, obj
    for name, child in obj.children().items():
        if not isinstance(child, PersistentObject):
            raise TypeError(f"sub-module {prefix}{name} is a {type(child).__name__}, not a "
                            f"persistent module")
        yield from _walk(child, f"{prefix}{name}.")


def generator_from_persistent(root: PersistentObject, where: str) -> Generator:
    """Rebuild a stylegan2-ada-pytorch / stylegan3 ``G_ema`` from its persistent state."""
    tree = list(_walk(root))
    names = {obj.class_name for _, obj in tree}
    if names & STYLEGAN3_MARKERS:
        raise NetworkError(f"{where}: a StyleGAN3 (alias-free) generator; gance-live plays "
                           f"StyleGAN2 networks (stylegan3's 'stylegan2' config works)")
    unknown = sorted(names - STYLEGAN2_CLASSES)
    if unknown:
        raise NetworkError(f"{where}: refused: G_ema contains a persistent class "
                           f"'{unknown[0]}' that is not part of a StyleGAN2 generator")

    state = root.state
    args = state.get("_init_args") or ()
    kwargs = dict(zip(_GENERATOR_ARGS, args))
    kwargs.update(state.get("_init_kwargs") or {})
    kwargs = _plain(kwargs)
    init = {k: kwargs.pop(k) for k in _GENERATOR_ARGS[:5] if k in kwargs}
    init["mapping_kwargs"] = kwargs.pop("mapping_kwargs", {})
    # stylegan2-ada nests the synthesis arguments; stylegan3 passes them flat.
    synthesis = {**kwargs.pop("synthesis_kwargs", {}), **kwargs}
    synthesis.update(_synthesis_settings(dict(tree), where))
    init["synthesis_kwargs"] = synthesis

    tensors: dict[str, torch.Tensor] = {}
    for prefix, obj in tree:
        skip = set(obj.state.get("_non_persistent_buffers_set") or ())
        for group in ("_parameters", "_buffers"):
            for name, value in (obj.state.get(group) or {}).items():
                if value is None or name in skip:
                    continue
                if not isinstance(value, torch.Tensor):
                    raise NetworkError(f"{where}: {prefix}{name} is not a tensor")
                tensors[prefix + name] = value
    G = _build(init, where)
    load_weights(G, tensors, where)
    return G


def _synthesis_settings(tree: dict[str, PersistentObject], where: str) -> dict[str, Any]:
    """Settings the two code bases default differently, read from the stored modules
    themselves (stylegan3 defaults to fp16 + clamp 256, stylegan2-ada to neither)."""
    blocks = [obj for name, obj in tree.items()
              if re.fullmatch(r"synthesis\.b\d+\.", name)]
    if not blocks:
        raise NetworkError(f"{where}: G_ema has no synthesis blocks")
    first = tree.get("synthesis.b4.conv1.")
    settings: dict[str, Any] = {
        "num_fp16_res": sum(bool(b.state.get("use_fp16")) for b in blocks),
        "fp16_channels_last": any(bool(b.state.get("channels_last")) for b in blocks),
    }
    architecture = blocks[0].state.get("architecture")
    if architecture is not None:
        settings["architecture"] = architecture
    if first is not None and "conv_clamp" in first.state:
        settings["conv_clamp"] = first.state["conv_clamp"]
    if "fused_modconv_default" in blocks[0].state:
        settings["fused_modconv_default"] = blocks[0].state["fused_modconv_default"]
    return _plain(settings)


def _build(init_kwargs: dict[str, Any], where: str) -> Generator:
    try:
        return build_generator(init_kwargs)
    except TypeError as exc:
        raise NetworkError(f"{where}: unsupported generator arguments ({exc})") from None
    except ValueError as exc:
        raise NetworkError(f"{where}: {exc}") from None


# --- TensorFlow StyleGAN2 / StyleGAN2-ADA --------------------------------------------------

# static_kwargs that only matter to training or to TensorFlow graph building.
_TF_IGNORED_KWARGS = frozenset({"truncation_psi", "truncation_cutoff", "style_mixing_prob",
                                "structure", "dlatent_avg_beta", "is_training",
                                "is_validation", "return_dlatents", "randomize_noise",
                                "dtype", "use_wscale", "fused_modconv"})
# Values that must keep the defaults of G_synthesis_stylegan2 (others are another network).
_TF_FIXED_KWARGS = {"fmap_min": 1, "fmap_decay": 1.0, "fmap_const": None,
                    "mapping_func": "G_mapping",
                    "synthesis_func": "G_synthesis_stylegan2", "normalize_latents": True}
_TF_SYNTHESIS_FUNC = "G_synthesis_stylegan2"


def _tf_variables(net: TFNetwork, prefix: str = "") -> dict[str, np.ndarray]:
    """All variables of ``net`` and its components, named ``component/.../variable``."""
    out = {}
    for name, value in net.state.get("variables") or []:
        out[prefix + str(name)] = np.asarray(value)
    for name, component in (net.state.get("components") or {}).items():
        if isinstance(component, TFNetwork):
            out.update(_tf_variables(component, f"{prefix}{name}/"))
    return out


def _tf_init_kwargs(static: dict[str, Any], where: str) -> dict[str, Any]:
    """Our ``init_kwargs`` from a TensorFlow generator's ``static_kwargs``."""
    used: set[str] = set()

    def kwarg(name: str, default: Any) -> Any:
        used.add(name)
        value = static.get(name, default)
        return default if value is None else value

    for name, required in _TF_FIXED_KWARGS.items():
        used.add(name)
        if name in static and static[name] != required:
            raise NetworkError(f"{where}: {name}={static[name]!r} is not a StyleGAN2 "
                               f"config-e/f generator (expected {required!r})")
    init = {
        "z_dim": kwarg("latent_size", 512),
        "c_dim": kwarg("label_size", 0),
        "w_dim": kwarg("dlatent_size", 512),
        "img_resolution": kwarg("resolution", 1024),
        "img_channels": kwarg("num_channels", 3),
        "mapping_kwargs": {
            "num_layers": kwarg("mapping_layers", 8),
            "embed_features": kwarg("label_fmaps", None),
            "layer_features": kwarg("mapping_fmaps", None),
            "activation": kwarg("mapping_nonlinearity", "lrelu"),
            "lr_multiplier": kwarg("mapping_lrmul", 0.01),
            # TensorFlow keeps dlatent_avg even without a decay; a beta keeps our w_avg.
            "w_avg_beta": kwarg("w_avg_beta", 0.995),
        },
        "synthesis_kwargs": {
            # TF counts channels as fmap_base / 2^(stage) with stage = log2(res) - 1.
            "channel_base": int(kwarg("fmap_base", 16384)) * 2,
            "channel_max": kwarg("fmap_max", 512),
            "num_fp16_res": kwarg("num_fp16_res", 0),
            "conv_clamp": kwarg("conv_clamp", None),
            "architecture": kwarg("architecture", "skip"),
            "resample_filter": list(kwarg("resample_kernel", [1, 3, 3, 1])),
            "use_noise": kwarg("use_noise", True),
            "activation": kwarg("nonlinearity", "lrelu"),
        },
    }
    unknown = sorted(set(static) - used - _TF_IGNORED_KWARGS)
    if unknown:
        raise NetworkError(f"{where}: unknown TensorFlow generator setting '{unknown[0]}' "
                           f"(not a StyleGAN2 config-e/f network?)")
    return _plain(init)


def _hwio_to_oihw(kernel: np.ndarray, flip: bool = False) -> np.ndarray:
    """TF conv kernel ``[kh, kw, in, out]`` -> torch ``[out, in, kh, kw]``; upsampling
    convs were run transposed in TF, so their kernels are also flipped spatially."""
    if flip:
        kernel = kernel[::-1, ::-1]
    return kernel.transpose(3, 2, 0, 1)


def _tf_tensor_rules(variables: dict[str, np.ndarray]
                     ) -> list[tuple[str, Callable[..., np.ndarray]]]:
    """(our parameter-name pattern, function of its groups giving the value)."""
    v = variables

    def log2(r: str) -> int:
        return int(r).bit_length() - 1

    return [
        (r"mapping\.w_avg", lambda: v["dlatent_avg"]),
        (r"mapping\.embed\.weight", lambda: v["mapping/LabelEmbed/weight"].T),
        (r"mapping\.embed\.bias", lambda: v["mapping/LabelEmbed/bias"]),
        (r"mapping\.fc(\d+)\.weight", lambda i: v[f"mapping/Dense{i}/weight"].T),
        (r"mapping\.fc(\d+)\.bias", lambda i: v[f"mapping/Dense{i}/bias"]),
        (r"synthesis\.b4\.const", lambda: v["synthesis/4x4/Const/const"][0]),
        (r"synthesis\.b4\.conv1\.weight", lambda: _hwio_to_oihw(v["synthesis/4x4/Conv/weight"])),
        (r"synthesis\.b4\.conv1\.bias", lambda: v["synthesis/4x4/Conv/bias"]),
        (r"synthesis\.b4\.conv1\.noise_const", lambda: v["synthesis/noise0"][0, 0]),
        (r"synthesis\.b4\.conv1\.noise_strength",
         lambda: v["synthesis/4x4/Conv/noise_strength"]),
        (r"synthesis\.b4\.conv1\.affine\.weight", lambda: v["synthesis/4x4/Conv/mod_weight"].T),
        # TF adds 1 to the style after its bias; ours starts the bias at 1 instead.
        (r"synthesis\.b4\.conv1\.affine\.bias", lambda: v["synthesis/4x4/Conv/mod_bias"] + 1),
        (r"synthesis\.b(\d+)\.conv0\.weight",
         lambda r: _hwio_to_oihw(v[f"synthesis/{r}x{r}/Conv0_up/weight"], flip=True)),
        (r"synthesis\.b(\d+)\.conv0\.bias", lambda r: v[f"synthesis/{r}x{r}/Conv0_up/bias"]),
        # TF numbers noise inputs over all layers: conv0 of 2^k is 2k-5, conv1 is 2k-4.
        (r"synthesis\.b(\d+)\.conv0\.noise_const",
         lambda r: v[f"synthesis/noise{2 * log2(r) - 5}"][0, 0]),
        (r"synthesis\.b(\d+)\.conv0\.noise_strength",
         lambda r: v[f"synthesis/{r}x{r}/Conv0_up/noise_strength"]),
        (r"synthesis\.b(\d+)\.conv0\.affine\.weight",
         lambda r: v[f"synthesis/{r}x{r}/Conv0_up/mod_weight"].T),
        (r"synthesis\.b(\d+)\.conv0\.affine\.bias",
         lambda r: v[f"synthesis/{r}x{r}/Conv0_up/mod_bias"] + 1),
        (r"synthesis\.b(\d+)\.conv1\.weight",
         lambda r: _hwio_to_oihw(v[f"synthesis/{r}x{r}/Conv1/weight"])),
        (r"synthesis\.b(\d+)\.conv1\.bias", lambda r: v[f"synthesis/{r}x{r}/Conv1/bias"]),
        (r"synthesis\.b(\d+)\.conv1\.noise_const",
         lambda r: v[f"synthesis/noise{2 * log2(r) - 4}"][0, 0]),
        (r"synthesis\.b(\d+)\.conv1\.noise_strength",
         lambda r: v[f"synthesis/{r}x{r}/Conv1/noise_strength"]),
        (r"synthesis\.b(\d+)\.conv1\.affine\.weight",
         lambda r: v[f"synthesis/{r}x{r}/Conv1/mod_weight"].T),
        (r"synthesis\.b(\d+)\.conv1\.affine\.bias",
         lambda r: v[f"synthesis/{r}x{r}/Conv1/mod_bias"] + 1),
        (r"synthesis\.b(\d+)\.torgb\.weight",
         lambda r: _hwio_to_oihw(v[f"synthesis/{r}x{r}/ToRGB/weight"])),
        (r"synthesis\.b(\d+)\.torgb\.bias", lambda r: v[f"synthesis/{r}x{r}/ToRGB/bias"]),
        (r"synthesis\.b(\d+)\.torgb\.affine\.weight",
         lambda r: v[f"synthesis/{r}x{r}/ToRGB/mod_weight"].T),
        (r"synthesis\.b(\d+)\.torgb\.affine\.bias",
         lambda r: v[f"synthesis/{r}x{r}/ToRGB/mod_bias"] + 1),
        (r"synthesis\.b(\d+)\.skip\.weight",
         lambda r: _hwio_to_oihw(v[f"synthesis/{r}x{r}/Skip/weight"], flip=True)),
    ]


def generator_from_tf(net: TFNetwork, where: str) -> Generator:
    """Rebuild a TensorFlow StyleGAN2 / StyleGAN2-ADA generator (``Gs``) as ours."""
    state = net.state
    if int(state.get("version", 0)) < 4:
        raise NetworkError(f"{where}: TensorFlow network pickle version "
                           f"{state.get('version')} is older than StyleGAN2's (4)")
    synthesis = (state.get("components") or {}).get("synthesis")
    func = synthesis.state.get("build_func_name") if isinstance(synthesis, TFNetwork) else None
    if func != _TF_SYNTHESIS_FUNC:
        raise NetworkError(f"{where}: synthesis network '{func}' is not StyleGAN2's "
                           f"{_TF_SYNTHESIS_FUNC} (StyleGAN1 and config-a..d are not supported)")
    static = _plain(dict(state.get("static_kwargs") or {}))
    init = _tf_init_kwargs(static, where)
    variables = _tf_variables(net)
    if init["c_dim"] and "mapping/LabelEmbed/weight" not in variables:
        raise NetworkError(f"{where}: conditional network without LabelEmbed (StyleGAN2's "
                           f"LabelConcat conditioning is not supported)")
    G = _build(init, where)
    rules = [(re.compile(p), fn) for p, fn in _tf_tensor_rules(variables)]
    tensors = {}
    for name, target in G.state_dict().items():
        if name.endswith("resample_filter"):
            tensors[name] = target  # a constant of the architecture, not a TF variable
            continue
        for pattern, fn in rules:
            match = pattern.fullmatch(name)
            if match:
                try:
                    value = fn(*match.groups())
                except KeyError as exc:
                    raise NetworkError(f"{where}: TensorFlow variable {exc} is missing "
                                       f"(needed for {name})") from None
                tensors[name] = torch.from_numpy(np.array(value, dtype=np.float32, order="C"))
                break
        else:
            raise NetworkError(f"{where}: no TensorFlow variable maps to {name}")
    load_weights(G, tensors, where)
    return G
