"""Both NVIDIA pickle layouts load to identical networks; hostile and broken files are refused
with a message naming the file, and nothing in them runs."""

from __future__ import annotations

import os
import pickle
import subprocess

import numpy as np
import pytest
import torch

from live.synth import NetworkError, load_network
from live.synth.pickles import read_network_pickle
from tests.synth.conftest import small_generator
from tests.synth.standins import (PICKLE_PROTOCOL, _reconstruct_persistent_obj, naive_load,
                                  standin_modules, write_pytorch_pickle, write_tf_pickle)


def assert_same_network(a, b) -> None:
    sa, sb = a.state_dict(), b.state_dict()
    assert sa.keys() == sb.keys()
    for name in sa:
        assert torch.equal(sa[name], sb[name]), name
    z = torch.randn(2, a.z_dim, generator=torch.Generator().manual_seed(9))
    assert torch.equal(a(z, noise_mode="const"), b(z, noise_mode="const"))


@pytest.mark.parametrize("architecture", ["skip", "orig", "resnet"])
@pytest.mark.parametrize("flavour", ["ada", "sg3"])
def test_pytorch_pickle_round_trip(tmp_path, architecture, flavour):
    G = small_generator(seed=11, architecture=architecture, num_fp16_res=2, conv_clamp=256)
    path = write_pytorch_pickle(G, tmp_path / "net.pkl", flavour=flavour)
    H = read_network_pickle(path)
    assert_same_network(G, H)
    synthesis = H.init_kwargs["synthesis_kwargs"]
    assert synthesis["architecture"] == architecture
    assert synthesis["num_fp16_res"] == 2 and synthesis["conv_clamp"] == 256
    assert [b.use_fp16 for b in H.synthesis.blocks()] == [b.use_fp16 for b in G.synthesis.blocks()]


@pytest.mark.parametrize("architecture", ["skip", "orig", "resnet"])
def test_tensorflow_pickle_round_trip(tmp_path, architecture):
    G = small_generator(seed=12, architecture=architecture)
    path = write_tf_pickle(G, tmp_path / "net.pkl",
                           static_kwargs=dict(latent_size=64, dlatent_size=64, mapping_layers=2))
    assert_same_network(G, read_network_pickle(path))


def test_tensorflow_config_f_kwargs(tmp_path):
    G = small_generator(seed=13)
    path = write_tf_pickle(G, tmp_path / "net.pkl", static_kwargs=dict(
        latent_size=64, dlatent_size=64, mapping_layers=2, truncation_psi=0.5))
    H = read_network_pickle(path)
    # fmap_base (TF) is half of channel_base (PyTorch).
    assert H.init_kwargs["synthesis_kwargs"]["channel_base"] == G.init_kwargs[
        "synthesis_kwargs"]["channel_base"]
    assert H.init_kwargs["synthesis_kwargs"]["conv_clamp"] is None


def test_tensorflow_other_generators_are_refused(tmp_path):
    G = small_generator(seed=14)
    path = write_tf_pickle(G, tmp_path / "sg1.pkl", synthesis_func="G_synthesis_stylegan_revised")
    with pytest.raises(NetworkError,
                       match="sg1.pkl: synthesis network 'G_synthesis_stylegan_revised'"):
        read_network_pickle(path)
    path = write_tf_pickle(G, tmp_path / "odd.pkl", static_kwargs=dict(fancy_option=3))
    with pytest.raises(NetworkError,
                       match="odd.pkl: unknown TensorFlow generator setting 'fancy_option'"):
        read_network_pickle(path)


def test_truncated_and_corrupt_files(tmp_path):
    path = write_pytorch_pickle(small_generator(seed=15), tmp_path / "net.pkl")
    data = path.read_bytes()
    short = tmp_path / "short.pkl"
    short.write_bytes(data[: len(data) // 2])
    with pytest.raises(NetworkError, match="short.pkl: truncated pickle"):
        load_network(short)
    garbage = tmp_path / "garbage.pkl"
    garbage.write_bytes(b"\x80\x03" + bytes(range(256)) * 4)
    with pytest.raises(NetworkError, match="garbage.pkl: corrupt pickle"):
        load_network(garbage)
    other = tmp_path / "list.pkl"
    other.write_bytes(pickle.dumps([1, 2, 3]))
    with pytest.raises(NetworkError, match="list.pkl: not a StyleGAN2 network pickle"):
        load_network(other)


class _Payload:
    """Pickles as a call of ``func(*args)``: what an attacker writes into a file."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def _hostile_payloads(sentinel):
    command = f"touch {sentinel}"
    return {
        "os.system": (_Payload(os.system, command), f"{os.system.__module__}.system"),
        "builtins.eval": (_Payload(eval, f"open({str(sentinel)!r}, 'w').close()"),
                          "builtins.eval"),
        "subprocess.Popen": (_Payload(subprocess.Popen, ["touch", str(sentinel)]),
                             "subprocess.Popen"),
    }


@pytest.mark.parametrize("kind", ["os.system", "builtins.eval", "subprocess.Popen"])
def test_hostile_globals_are_refused_and_never_run(tmp_path, kind):
    sentinel = tmp_path / "pwned"
    payload, imported = _hostile_payloads(sentinel)[kind]
    # The payload hides inside an otherwise real network file.
    hostile = write_pytorch_pickle(small_generator(seed=16), tmp_path / "hostile.pkl",
                                   extra={"metrics": payload})
    # Positive control: a plain pickle.load really runs it.
    naive_load(hostile)
    deadline = 50
    while not sentinel.exists() and deadline:  # Popen runs touch in a child process
        deadline -= 1
        subprocess.run(["sleep", "0.02"])
    assert sentinel.exists()
    sentinel.unlink()

    with pytest.raises(NetworkError) as err:
        load_network(hostile)
    assert f"hostile.pkl: refused: the pickle tries to import {imported}" in str(err.value)
    assert not sentinel.exists()


def test_hostile_persistence_source_is_never_executed(tmp_path):
    sentinel = tmp_path / "pwned"
    evil_src = f"open({str(sentinel)!r}, 'w').close()\n"
    G = small_generator(seed=17)
    path = write_pytorch_pickle(G, tmp_path / "evil_src.pkl", module_src=evil_src)
    naive_load(path)  # positive control: NVIDIA's loader execs module_src
    assert sentinel.exists()
    sentinel.unlink()
    H = load_network(path)
    assert not sentinel.exists()
    assert_same_network(G, H)


def test_unknown_persistent_class_is_refused(tmp_path):
    sentinel = tmp_path / "pwned"
    G = small_generator(seed=18)
    path = write_pytorch_pickle(
        G, tmp_path / "payload.pkl",
        module_src=f"class Payload:\n    open({str(sentinel)!r}, 'w').close()\n",
        class_names={id(G.synthesis.b8.conv0): "Payload"})
    with pytest.raises(NetworkError, match="payload.pkl: refused: G_ema contains a persistent "
                                           "class 'Payload'"):
        load_network(path)
    assert not sentinel.exists()


def test_stylegan3_generator_is_refused_with_reason(tmp_path):
    G = small_generator(seed=19)
    path = write_pytorch_pickle(G, tmp_path / "sg3.pkl",
                                class_names={id(G.synthesis.b4): "SynthesisInput"})
    with pytest.raises(NetworkError, match="sg3.pkl: a StyleGAN3 .alias-free. generator"):
        load_network(path)


def test_hostile_tensorflow_build_source_is_never_executed(tmp_path):
    sentinel = tmp_path / "pwned"
    G = small_generator(seed=20)
    path = write_tf_pickle(G, tmp_path / "tf_evil.pkl",
                           static_kwargs=dict(latent_size=64, dlatent_size=64, mapping_layers=2),
                           build_module_src=f"open({str(sentinel)!r}, 'w').close()\n")
    naive_load(path)  # positive control: dnnlib's Network.__setstate__ execs it
    assert sentinel.exists()
    sentinel.unlink()
    assert_same_network(G, load_network(path))
    assert not sentinel.exists()


def test_numpy_object_arrays_cannot_smuggle_calls(tmp_path):
    sentinel = tmp_path / "pwned"
    arr = np.array([_Payload(os.system, f"touch {sentinel}")], dtype=object)
    path = tmp_path / "objarray.pkl"
    path.write_bytes(pickle.dumps({"G_ema": arr}, protocol=PICKLE_PROTOCOL))
    with pytest.raises(NetworkError, match="objarray.pkl: refused"):
        load_network(path)
    assert not sentinel.exists()


class _OddModule:
    """A persistent record whose sub-module is a list: parseable, but no NVIDIA layout."""

    def __reduce__(self):
        meta = dict(type="class", version=6, module_src="", class_name="Generator",
                    state={"_modules": {"synthesis": [1, 2]}})
        return _reconstruct_persistent_obj, (meta,)


def test_unexpected_layout_is_named(tmp_path):
    path = tmp_path / "odd.pkl"
    with standin_modules():
        path.write_bytes(pickle.dumps({"G_ema": _OddModule()}, protocol=PICKLE_PROTOCOL))
    with pytest.raises(NetworkError, match="odd.pkl: unexpected network layout .TypeError: "
                                           "sub-module synthesis is a list"):
        load_network(path)
