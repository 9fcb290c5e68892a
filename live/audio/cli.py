"""``gance-live devices``: what audio hardware this machine offers.

The lead's CLI calls :func:`register`; other concerns append their own sections (MIDI ports,
displays, GPUs) to the listing.
"""

from __future__ import annotations

import argparse

from live.audio.backends import BACKENDS
from live.audio.devices import describe_audio_devices


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``devices`` subcommand."""
    parser = subparsers.add_parser("devices", help="list audio inputs and outputs",
                                   description="List the audio inputs and outputs PortAudio "
                                               "sees; * marks the defaults. Use a name "
                                               "substring or the index in [audio] "
                                               "input_device / output_device.")
    parser.add_argument("--backend", choices=BACKENDS, default="sounddevice",
                        help="audio library to ask (default: sounddevice)")
    parser.set_defaults(func=devices)


def devices(args: argparse.Namespace) -> int:
    """Print the audio device listing; exit status 0."""
    print(describe_audio_devices(args.backend))
    return 0
