"""``gance-live project``: a video into a GANce projection file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from live.contracts.errors import UserError
from live.projector.distance import VGG_URL
from live.projector.optimise import ProjectorSettings
from live.projector.run import ProjectOptions, pick_devices, project_video
from live.video.sources import FIT_MODES

DEFAULT_STEPS = ProjectorSettings().steps


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``project`` to the ``gance-live`` command line."""
    project = subparsers.add_parser(
        "project", help="project a video into a network's latent space (a GANce .hdf5)",
        description="Optimise every frame of VIDEO into NETWORK's W the way StyleGAN2's "
                    "projector does, each frame starting from the previous one's result, and "
                    "write a GANce projection file a show plays ([latents] source = "
                    "\"projection\"). Frames are written as they finish: run the same command "
                    "again to resume an interrupted projection.")
    project.add_argument("video", help="the source video (anything OpenCV reads)")
    project.add_argument("network", help=".pkl / .safetensors / demo:N")
    project.add_argument("--out", required=True, metavar="FILE.hdf5", help="projection file")
    project.add_argument("--fps", type=float, help="projection frames per second (default: "
                         "the video's; fewer frames project sooner)")
    project.add_argument("--steps", type=int, default=DEFAULT_STEPS,
                         help=f"optimisation steps per frame (default {DEFAULT_STEPS}, "
                              f"StyleGAN2's)")
    project.add_argument("--vgg", metavar="PATH", help=f"StyleGAN2-ADA's VGG16 feature file "
                         f"vgg16.pt ({VGG_URL}) for its perceptual distance; without it: pixel "
                         f"+ multi-scale SSIM")
    project.add_argument("--batch", type=int, default=1,
                         help="frames optimised at once on each device (default 1; more "
                              "keeps a GPU busy)")
    project.add_argument("--device", default="auto",
                         help="auto (every GPU, else the CPU), cpu, cuda (every GPU), cuda:N")
    project.add_argument("--fit", choices=FIT_MODES, default="crop",
                         help="make frames square by cropping the centre (default) or padding "
                              "with black")
    project.add_argument("--seed", type=int, default=0, help="seed of the random perturbation")
    project.add_argument("--w-plus", action="store_true",
                         help="one W per layer (W+) instead of one W for all: closer fits, "
                              "but a show must set [latents.projection] identical_rows = false")
    project.add_argument("--optimise-noise", action="store_true",
                         help="also fit the network's noise maps per frame, with StyleGAN2's "
                              "regularisation; a show draws with the network's own noise, so "
                              "the file's final images (drawn that way) may fit less well")
    project.add_argument("--no-progress", dest="progress", action="store_false",
                         help="no progress bar")
    project.set_defaults(func=project_command)


def project_command(args: argparse.Namespace) -> int:
    if args.steps < 1:
        raise UserError(f"--steps {args.steps}: give at least 1")
    if args.batch < 1:
        raise UserError(f"--batch {args.batch}: give at least 1")
    if args.fps is not None and not args.fps > 0:
        raise UserError(f"--fps {args.fps}: give a positive number of frames per second")
    settings = ProjectorSettings(steps=args.steps, seed=args.seed, w_plus=args.w_plus,
                                 optimise_noise=args.optimise_noise)
    options = ProjectOptions(fps=args.fps, batch=args.batch, devices=pick_devices(args.device),
                             fit=args.fit, vgg=Path(args.vgg) if args.vgg else None,
                             settings=settings, progress=args.progress)
    summary = project_video(args.video, args.network, args.out, options,
                            say=lambda line: print(f"gance-live: {line}", file=sys.stderr))
    print(f"gance-live: wrote {summary.path}: {summary.frames} frames, mean PSNR "
          f"{summary.mean_psnr_db:.1f} dB over the {summary.frames - summary.resumed_at} "
          f"projected now, {summary.seconds:.0f} s")
    return 0
