"""The safetensors format and the pickle cache keyed by the pickle's SHA-256."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors import safe_open

from live.synth import NetworkError, convert_network, load_network
from live.synth.cache import cache_root, cached_path, file_sha256, save_safetensors, source_hash
from tests.synth.conftest import small_generator
from tests.synth.standins import write_pytorch_pickle
from tests.synth.test_pickles import assert_same_network


def test_cache_root_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv("GANCE_LIVE_CACHE", str(tmp_path / "explicit"))
    assert cache_root() == tmp_path / "explicit"
    monkeypatch.delenv("GANCE_LIVE_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_root() == tmp_path / "xdg" / "gance-live"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_root() == tmp_path / "home" / ".cache" / "gance-live"


def test_safetensors_round_trip_with_metadata(tmp_path):
    G = small_generator(seed=21, architecture="resnet", num_fp16_res=1, conv_clamp=256)
    path = save_safetensors(G, tmp_path / "net.safetensors", source={"file": "x.pkl"})
    with safe_open(str(path), framework="pt") as f:
        meta = f.metadata()
    assert meta["format"] == "gance-live-generator/1"
    assert json.loads(meta["init_kwargs"]) == json.loads(json.dumps(G.init_kwargs))
    assert json.loads(meta["source"]) == {"file": "x.pkl"}
    H = load_network(path)
    assert_same_network(G, H)
    assert not H.training and not any(p.requires_grad for p in H.parameters())


def test_pickle_is_cached_by_hash_and_the_cache_is_what_loads(tmp_path, private_cache):
    G = small_generator(seed=22)
    pkl = write_pytorch_pickle(G, tmp_path / "net.pkl")
    assert_same_network(G, load_network(pkl))
    sha = file_sha256(pkl)
    entry = cached_path(sha)
    assert entry.is_file() and entry.is_relative_to(private_cache)
    assert source_hash(pkl) == sha
    # Prove the second load reads the cache: plant different weights in the entry.
    planted = small_generator(seed=99)
    save_safetensors(planted, entry)
    assert_same_network(planted, load_network(pkl))
    # cache=False always reads the pickle itself.
    assert_same_network(G, load_network(pkl, cache=False))


def test_changed_pickle_gets_a_new_cache_entry(tmp_path):
    pkl = tmp_path / "net.pkl"
    write_pytorch_pickle(small_generator(seed=23), pkl)
    load_network(pkl)
    first = source_hash(pkl)
    G2 = small_generator(seed=24)
    write_pytorch_pickle(G2, pkl)
    assert source_hash(pkl) != first
    assert_same_network(G2, load_network(pkl))


def test_damaged_cache_entry_is_rebuilt(tmp_path):
    G = small_generator(seed=25)
    pkl = write_pytorch_pickle(G, tmp_path / "net.pkl")
    load_network(pkl)
    entry = cached_path(file_sha256(pkl))
    entry.write_bytes(b"not a safetensors file")
    assert_same_network(G, load_network(pkl))
    assert_same_network(G, load_network(entry))


def test_convert(tmp_path):
    G = small_generator(seed=26)
    pkl = write_pytorch_pickle(G, tmp_path / "net.pkl")
    out = convert_network(pkl)
    assert out == tmp_path / "net.safetensors"
    assert_same_network(G, load_network(out))
    custom = convert_network(pkl, tmp_path / "sub" / "other.safetensors")
    assert_same_network(G, load_network(custom))


def test_bad_safetensors_and_specs(tmp_path):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{garbage}")
    with pytest.raises(NetworkError, match="bad.safetensors: not a readable safetensors file"):
        load_network(bad)
    from safetensors.torch import save_file
    foreign = tmp_path / "foreign.safetensors"
    save_file({"w": torch.zeros(2)}, str(foreign))
    with pytest.raises(NetworkError, match="foreign.safetensors: not a gance-live network file"):
        load_network(foreign)
    with pytest.raises(NetworkError, match="missing.pkl: no such network file"):
        load_network(tmp_path / "missing.pkl")
    odd = tmp_path / "net.onnx"
    odd.write_bytes(b"x")
    with pytest.raises(NetworkError, match="net.onnx: unknown network format"):
        load_network(odd)
    with pytest.raises(NetworkError, match="unknown demo network 'demo:7'"):
        load_network("demo:7")


def test_weights_that_do_not_fit_are_named(tmp_path):
    G = small_generator(seed=27)
    path = save_safetensors(G, tmp_path / "net.safetensors")
    from safetensors.torch import load_file, save_file
    tensors = load_file(str(path))
    with safe_open(str(path), framework="pt") as f:
        meta = f.metadata()
    tensors["synthesis.b8.conv1.bias"] = torch.zeros(3)
    save_file(tensors, str(path), metadata=meta)
    with pytest.raises(NetworkError,
                       match=r"net.safetensors: synthesis.b8.conv1.bias has shape \(3,\)"):
        load_network(Path(path))
