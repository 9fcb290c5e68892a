"""``gance-live cooler``: watch the GPU cooler and send it a hint, without a show."""

from __future__ import annotations

import argparse
import time
from typing import Any

from live.hardware import protocol
from live.hardware.config import DEFAULT_PORT, CoolerConfig
from live.hardware.link import CoolerLink, list_serial_ports

HINTS = {"normal": protocol.NORMAL, "show-starting": protocol.SHOW_STARTING,
         "quiet": protocol.QUIET}


def register(subparsers: Any) -> None:
    cooler = subparsers.add_parser(
        "cooler", help="watch the GPU cooler (temperatures, fan duty and rpm) and hint it",
        description="Connect to the cooler's Pico (hardware/README.md), print what it reports "
                    "once a second, and send it a hint. A show does this itself with "
                    "[hardware.cooler] enabled = true.")
    cooler.add_argument("--port", default=DEFAULT_PORT,
                        help=f"serial port name substring or device path (default "
                             f"'{DEFAULT_PORT}')")
    cooler.add_argument("--hint", choices=sorted(HINTS), default="normal",
                        help="what to tell the fans (default normal)")
    cooler.add_argument("--ceiling", type=int, default=CoolerConfig.quiet_ceiling_c,
                        help="quiet until a GPU reaches this temperature in C (default "
                             "%(default)s)")
    cooler.add_argument("--seconds", type=float, help="stop after S seconds (default: Ctrl-C)")
    cooler.add_argument("--list", action="store_true", help="list the serial ports and exit")
    cooler.set_defaults(func=run_cooler)


def run_cooler(args: argparse.Namespace) -> int:
    if args.list:
        ports = list_serial_ports()
        print("\n".join(ports) if ports else "no serial ports")
        return 0
    deadline = None if args.seconds is None else time.monotonic() + args.seconds
    with CoolerLink(args.port, ceiling_c=args.ceiling, hint=HINTS[args.hint]) as link:
        try:
            while deadline is None or time.monotonic() < deadline:
                time.sleep(1.0 if deadline is None else
                           max(0.0, min(1.0, deadline - time.monotonic())))
                print(link.describe()[0], flush=True)
        except KeyboardInterrupt:
            pass
    return 0
