"""``gance-live convert`` and ``gance-live bench``: the synth concern's subcommands."""

from __future__ import annotations

import argparse
import json

import torch

from live.synth.bench import pick_device, run_bench
from live.synth.loading import convert_network


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``convert`` and ``bench`` to the ``gance-live`` command line."""
    convert = subparsers.add_parser(
        "convert", help="convert a network pickle to a safetensors file (loads much faster)",
        description="Read a stylegan2-ada-pytorch / stylegan3 or TensorFlow StyleGAN2 pickle "
                    "without running its code, and write the generator as safetensors.")
    convert.add_argument("network", help="the .pkl file")
    convert.add_argument("--out", help="output path (default: NETWORK with .safetensors)")
    convert.set_defaults(func=convert_command)

    bench = subparsers.add_parser(
        "bench", help="frames per second and latency of a network",
        description="Time a network file (or a synthetic network of the given size) on the "
                    "frame path a worker uses (batch 1, RGBA8 out) and at larger batches.")
    bench.add_argument("network", nargs="?",
                       help=".pkl / .safetensors / demo:N (default: a synthetic network)")
    bench.add_argument("--resolution", type=int, default=256, choices=(128, 256, 512, 1024),
                       help="synthetic network size in pixels (default 256)")
    bench.add_argument("--channel-base", type=int, default=16384,
                       help="synthetic network channel_base (config-f: 32768; default 16384)")
    bench.add_argument("--channel-max", type=int, default=512,
                       help="synthetic network channel_max (default 512)")
    bench.add_argument("--device", default="auto", help="cpu, cuda, cuda:N or auto")
    bench.add_argument("--batch", type=int, nargs="+", default=[1, 8],
                       help="batch sizes to time G.synthesis at (default: 1 8)")
    bench.add_argument("--frames", type=int, default=50, help="timed frames per measurement")
    bench.add_argument("--threads", type=int, default=0,
                       help="torch CPU threads (default: torch's choice)")
    bench.add_argument("--no-fp16", dest="fp16", action="store_false",
                       help="full precision on the GPU too")
    bench.add_argument("--json", action="store_true", help="print the results as JSON")
    bench.set_defaults(func=bench_command)


def convert_command(args: argparse.Namespace) -> int:
    out = convert_network(args.network, args.out)
    print(f"wrote {out}")
    return 0


def bench_command(args: argparse.Namespace) -> int:
    if args.frames < 1 or any(b < 1 for b in args.batch):
        raise ValueError("bench: --frames and --batch must be at least 1")
    if args.threads:
        torch.set_num_threads(args.threads)
    result = run_bench(args.network, pick_device(args.device), args.batch, args.frames,
                       args.fp16, args.resolution, args.channel_base, args.channel_max)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{result['network']}: {result['resolution']} px on {result['device']}"
          f"{' (' + result['gpu'] + ')' if 'gpu' in result else ''}, "
          f"fp16 {'on' if result['fp16'] else 'off'}, {result['threads']} CPU threads")
    rows = [("frame path, batch 1", result["frame_path"])]
    rows += [(f"synthesis, batch {b}", r) for b, r in result["batches"].items()]
    for label, r in rows:
        print(f"  {label:<22} {r['fps']:8.1f} img/s   p50 {r['p50_ms']:8.2f} ms"
              f"   p99 {r['p99_ms']:8.2f} ms")
    if "fp16_psnr_db" in result:
        print(f"  fp16 vs fp32 PSNR      {result['fp16_psnr_db']:.1f} dB")
    return 0
