"""Command-line tools of the compositor: ``monitors``, ``upscale`` and ``overlays``.

``register`` adds them to ``gance-live``::

    gance-live monitors                       the connected monitors, for [output] monitor
    gance-live upscale in.png out.png --size 2160x2160 [--method bicubic]
    gance-live overlays songs/intro.hdf5      the source frames' eyes, for the eye overlays
    gance-live overlays songs/intro.hdf5 --video intro.mp4   the same from the original video
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from live.compositor.look import METHODS


def register(subparsers: Any) -> None:
    """Add ``monitors``, ``upscale`` and ``overlays`` to the ``gance-live`` command."""
    monitors = subparsers.add_parser("monitors", help="list the monitors fullscreen can use",
                                     description="List connected monitors with their index, "
                                                 "name, size, refresh rate and position; "
                                                 "[output] monitor takes a name or an index.")
    monitors.set_defaults(func=run_monitors)
    upscale = subparsers.add_parser("upscale", help="resample an image through the output shader",
                                    description="Resample an image file with the compositor's "
                                                "GL shader (headless), e.g. to compare methods.")
    upscale.add_argument("image", type=Path, help="input image (png, jpg, ...)")
    upscale.add_argument("out", type=Path, help="output image path")
    upscale.add_argument("--size", required=True, help="output size as WIDTHxHEIGHT")
    upscale.add_argument("--method", default="bicubic", choices=tuple(METHODS))
    upscale.set_defaults(func=run_upscale)
    overlays = subparsers.add_parser(
        "overlays", help="find the eyes in a projection's source frames, once",
        description="Find the eyes (box and phash) in every target image of a GANce "
                    "projection file and store them beside it (PROJECTION.eyes.npz), so a "
                    "show with eye overlays analyses only the synthesized frames.")
    overlays.add_argument("projection", type=Path, help="a GANce projection file (.hdf5)")
    overlays.add_argument("--video", type=Path,
                          help="the original video the projection was made from: its frames "
                               "(in step with the projection's) are the source frames, as "
                               "[overlays] source_video names it; default: the target images")
    overlays.set_defaults(func=run_overlays)


def run_monitors(args: argparse.Namespace) -> int:
    from live.compositor.window import describe_monitor, list_monitors

    monitors = list_monitors()
    if not monitors:
        print("no display: no monitors (set DISPLAY, or use --headless)")
        return 1
    for m in monitors:
        print(describe_monitor(m))
    return 0


def parse_size(text: str) -> tuple[int, int]:
    """``"3840x2160"`` -> ``(2160, 3840)``: (height, width), the order ``upscale`` takes."""
    width, sep, height = text.lower().partition("x")
    if not (sep and width.isdigit() and height.isdigit() and int(width) > 0 and int(height) > 0):
        raise ValueError(f"--size {text!r}: expected WIDTHxHEIGHT, e.g. 3840x2160")
    return int(height), int(width)


def run_upscale(args: argparse.Namespace) -> int:
    import cv2

    from live.contracts.errors import UserError
    from live.compositor import upscale

    try:
        size = parse_size(args.size)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if not args.image.is_file():
        raise UserError(f"{args.image}: no such image file")
    image = cv2.imread(str(args.image), cv2.IMREAD_COLOR)
    if image is None:
        raise UserError(f"{args.image}: not a readable image file")
    rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    result = upscale(rgb, size, args.method)
    if not cv2.imwrite(str(args.out), cv2.cvtColor(result, cv2.COLOR_RGB2BGR)):
        raise UserError(f"{args.out}: cannot write an image there (unknown extension?)")
    print(f"{args.out}: {size[1]}x{size[0]} ({args.method})")
    return 0


def run_overlays(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from live.contracts.paths import check_input_file
    from live.latents.projection import ProjectionFile, ProjectionFileError, source_fit
    from live.overlay.sources import SourceEyes
    from live.video.sources import SourceVideo, VideoError

    projection = ProjectionFile.open(args.projection, identical_rows=False)
    count = len(projection)
    video = None
    if args.video is not None:
        path = check_input_file(args.video, "video", fix="give the video the projection was "
                                "made from", error=VideoError)
        video = SourceVideo(path, projection.fps, source_fit(projection.attributes))
        problem = video.problem(count, projection.attributes.get("original_fps"),
                                projection.attributes.get("original_frame_count"))
        if problem is not None:
            video.close()
            raise VideoError(f"{path}: {problem}; give the video {projection.path.name} was "
                             f"projected from")
        frames = (video.frame(index) for index in range(count))
    elif projection.target_image(count - 1) is None:
        raise ProjectionFileError(f"{projection.path}: has no target image (source frame) for "
                                  f"every latent; give the video it was made from (--video) or "
                                  f"project the video again with GANce, which keeps them")
    else:
        frames = (projection.target_image(index) for index in range(count))
    try:
        with tqdm(total=count, unit="frame", desc="eyes", dynamic_ncols=True) as bar:
            eyes = SourceEyes.analyse(frames, count, on_frame=lambda: bar.update(1))
    finally:
        if video is not None:
            video.close()
    written = eyes.save(projection.path, video.file.path if video else None)
    source = f"frames of {video.file.path.name}" if video else "source frames"
    print(f"{written}: eyes in {int(eyes.found.sum())} of {count} {source}")
    return 0
