"""``gance-live convert`` / ``gance-live bench`` through their argparse registration."""

from __future__ import annotations

import argparse
import json

import pytest
import torch

from live.synth import NetworkError, load_network
from live.synth.cli import register
from tests.synth.conftest import small_generator
from tests.synth.standins import write_tf_pickle
from tests.synth.test_pickles import assert_same_network


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="gance-live")
    register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)


def test_convert_tensorflow_pickle(tmp_path, capsys):
    G = small_generator(seed=40)
    pkl = write_tf_pickle(G, tmp_path / "old.pkl",
                          static_kwargs=dict(latent_size=64, dlatent_size=64, mapping_layers=2))
    out = tmp_path / "new.safetensors"
    assert run(["convert", str(pkl), "--out", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    assert_same_network(G, load_network(out))


def test_convert_bad_input_is_a_one_line_error(tmp_path):
    with pytest.raises(NetworkError, match="nothing.pkl: no such network file"):
        run(["convert", str(tmp_path / "nothing.pkl")])


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-GPU message")
def test_bench_on_cuda_without_a_gpu_is_a_one_line_error():
    with pytest.raises(ValueError, match="--device cuda, but no CUDA device is visible"):
        run(["bench", "demo:0", "--device", "cuda"])


def test_bench_json_for_a_file_and_a_synthetic_network(tmp_path, capsys):
    threads = torch.get_num_threads()
    try:
        assert run(["bench", "demo:1", "--device", "cpu", "--frames", "2", "--batch", "2",
                    "--threads", "1", "--json"]) == 0
    finally:
        torch.set_num_threads(threads)
    result = json.loads(capsys.readouterr().out)
    assert result["network"] == "demo:1" and result["resolution"] == 128
    assert result["device"] == "cpu" and result["fp16"] is False and result["threads"] == 1
    for stats in (result["frame_path"], result["batches"]["2"]):
        assert stats["fps"] > 0 and 0 < stats["p50_ms"] <= stats["p99_ms"]

    assert run(["bench", "--resolution", "128", "--channel-base", "512", "--channel-max", "64",
                "--device", "cpu", "--frames", "2", "--batch", "1"]) == 0
    text = capsys.readouterr().out
    assert "synthetic 128 px, channel_base 512: 128 px on cpu" in text
    assert "frame path, batch 1" in text and "synthesis, batch 1" in text
