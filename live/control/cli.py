"""Command-line tools of the control concern: ``midi-learn``, ``osc-doc``, ``osc-layout`` and
``parameters``.

``register`` adds them to ``gance-live``; ``list_midi_ports`` is here for
``gance-live devices``.

``midi-learn`` is a conversation on stdin/stdout, so a script (or a test) can drive it::

    Move a control (or type q to finish).
    cc 7 on channel 1: what should it do? ...
    > gain
    cc 7 (channel 1): sets gain from 0 to 1; saved to config/midi/mine.toml
"""

from __future__ import annotations

import argparse
import queue
import sys
import threading
import time
from pathlib import Path
from typing import Any

from live.contracts.errors import ConfigError, UserError
from live.control.learn import LearnRequest, choices, describe
from live.control.midi import MidiMap, MidiMessage, refuse_shipped
from live.control.keyboard import key_rows
from live.control.osc import osc_doc
from live.contracts.outputs import atomic_output
from live.contracts.parameters import PAGES, PARAMETERS
from live.control.touchosc import layout_bytes
from live.control.ports import APIS, MidiError, MidiInput, input_port_names, list_midi_ports

__all__ = ["register", "list_midi_ports"]

SETTLE_SECONDS = 0.3   # a fader sends a burst; the burst's tail is not the next control
LEARN_CLIENT = "gance-live-learn"


def register(subparsers: Any) -> None:
    """Add ``midi-learn``, ``osc-doc`` and ``parameters`` to the ``gance-live`` command."""
    learn = subparsers.add_parser(
        "midi-learn", help="bind controller knobs and pads by moving them",
        description="Move a control, then type what it should do (e.g. 'gain', 'network 2', "
                    "'blackout'). Each binding is appended to --out at once; an existing "
                    "file is extended.")
    learn.add_argument("--out", required=True, type=Path, help="map file to write, e.g. "
                       "config/midi/mine.toml")
    learn.add_argument("--port", default="", help="listen only to input ports whose name "
                       "contains this (default: every port); also written as the map's port")
    learn.add_argument("--api", choices=sorted(APIS), default="alsa",
                       help="MIDI system (default alsa)")
    learn.set_defaults(func=run_midi_learn)
    doc = subparsers.add_parser("osc-doc", help="print the OSC address tree",
                                description="Print every OSC address the show understands.")
    doc.set_defaults(func=run_osc_doc)
    layout = subparsers.add_parser(
        "osc-layout", help="write a TouchOSC layout of every parameter",
        description="Write a TouchOSC layout (.tosc): a page per part of the show (audio, "
                    "latent, look, networks, scenes), a control per parameter and action, "
                    "bound to its OSC address and range and moved by the state the show "
                    "sends back ([control.osc] send_port).")
    layout.add_argument("--out", required=True, type=Path, help="file to write, e.g. "
                        "show.tosc")
    layout.add_argument("--networks", type=int, default=9, choices=range(1, 65),
                        metavar="N", help="networks of the show, one radio segment each "
                        "(default 9, as many as the keys reach)")
    layout.set_defaults(func=run_osc_layout)
    parameters = subparsers.add_parser(
        "parameters", help="list the window keys and every performable parameter",
        description="Print the window keys and every parameter MIDI, OSC and the keys "
                    "reach (name, kind, range, default, key, what applies it), as Markdown "
                    "tables.")
    parameters.set_defaults(func=run_parameters)


def run_osc_doc(args: argparse.Namespace) -> int:
    print(osc_doc())
    return 0


def run_osc_layout(args: argparse.Namespace) -> int:
    target = args.out
    try:
        with atomic_output(target) as temporary:
            temporary.write_bytes(layout_bytes(args.networks))
    except OSError as exc:
        raise UserError(f"--out {target}: cannot write the layout ({exc.strerror}): name a "
                        f"file in a folder that exists and can be written") from None
    print(f"{target}: TouchOSC layout, {len(PARAMETERS)} parameters on pages "
          f"{', '.join(PAGES)}")
    return 0


def run_parameters(args: argparse.Namespace) -> int:
    print(parameters_doc())
    return 0


def parameters_doc() -> str:
    """The keys table and the parameters table, in Markdown (the README holds both)."""
    lines = ["| key | does |", "| --- | --- |"]
    lines += [f"| {keys} | {does} |" for keys, does in key_rows()]
    lines += ["", "| parameter | kind | range | default | key | applied by | meaning |",
              "| --- | --- | --- | --- | --- | --- | --- |"]
    for p in PARAMETERS:
        if p.range:
            span = f"{p.range[0]:g} to {p.range[1]:g}" + (f" {p.units}" if p.units else "")
        else:
            span = {"network": "0-based index", "bool": "on / off"}.get(p.kind) \
                or ", ".join(p.choices)
        default = f"`{p.config}`" if p.config else p.label(p.default)
        key = f"`{p.key}`" if p.key else ""
        lines.append(f"| `{p.name}` | {p.kind} | {span} | {default} | {key} | {p.stage} | "
                     f"{p.help} |")
    return "\n".join(lines)


def run_midi_learn(args: argparse.Namespace) -> int:
    """The ``midi-learn`` conversation; 2 with a one-line reason when it cannot start."""
    try:
        refuse_shipped(args.out)
        midi_map = (MidiMap.load(args.out) if args.out.exists()
                    else MidiMap(args.out.stem, args.port, path=args.out))
    except ConfigError as exc:
        print(f"midi-learn: {exc}", file=sys.stderr)
        return 2
    wanted = args.port.lower()
    ports = [p for p in input_port_names(args.api, LEARN_CLIENT)
             if wanted in p.lower() and not p.startswith("gance-live")]
    if not ports:
        print(f"midi-learn: no {args.api} MIDI input port"
              + (f" contains '{args.port}'" if args.port else " found")
              + " (see gance-live devices; --api jack where JACK runs)", file=sys.stderr)
        return 2
    inputs = [MidiInput(args.api, port, LEARN_CLIENT) for port in ports]
    try:
        for port in inputs:
            port.__enter__()
    except (MidiError, ValueError) as exc:
        print(f"midi-learn: cannot open MIDI input: {exc}", file=sys.stderr)
        return 2
    try:
        print("Listening to: " + ", ".join(ports), flush=True)
        learned = _converse(midi_map, inputs, _stdin_lines())
    except KeyboardInterrupt:
        learned = None
    finally:
        for port in inputs:
            port.__exit__(None, None, None)
    if learned is not None:
        print(f"{learned} binding(s) learned into {args.out}", flush=True)
    return 0


def _converse(midi_map: MidiMap, inputs: list[MidiInput],
              lines: queue.Queue[str | None]) -> int:
    learned = 0
    while True:
        print("Move a control (or type q to finish).", flush=True)
        message = _next_control(inputs, lines)
        if message is None:
            return learned
        kind, channel, number = message.control
        while True:
            print(f"{kind} {number} on channel {channel}: what should it do? "
                  f"({choices()}; e.g. 'gain', 'network 2', 'blackout hold'; "
                  f"'skip' to leave it)", flush=True)
            answer = lines.get()
            if answer is None or answer.strip() in ("q", "quit"):
                return learned
            if answer.strip() == "skip":
                break
            try:
                binding = LearnRequest.parse(answer).binding_for(message)
            except ValueError as exc:
                print(f"  {exc}", flush=True)
                continue
            midi_map.learn(binding)
            learned += 1
            print(f"{describe(binding)}; saved to {midi_map.path}", flush=True)
            break
        _drain(inputs)  # what moved while the performer was typing is not a new control


def _next_control(inputs: list[MidiInput],
                  lines: queue.Queue[str | None]) -> MidiMessage | None:
    """Wait for a CC or note on; None when the performer types q (or stdin ends)."""
    while True:
        for _, data in _drain(inputs):
            message = MidiMessage.from_bytes(data)
            if message is not None and message.kind in ("cc", "note"):
                time.sleep(SETTLE_SECONDS)
                _drain(inputs)
                return message
        try:
            line = lines.get(timeout=0.02)
        except queue.Empty:
            continue
        if line is None or line.strip() in ("q", "quit"):
            return None
        print("  waiting for a control to move (type q to finish)", flush=True)


def _drain(inputs: list[MidiInput]) -> list[tuple[float, list[int]]]:
    """Everything the ports received since the last look."""
    now = time.monotonic()
    return [message for port in inputs for message in port.receive(now)]


def _stdin_lines() -> queue.Queue[str | None]:
    """Lines of stdin as they come, then None at its end; read on a thread so waiting for
    MIDI and for the keyboard can share one loop."""
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in sys.stdin:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=read, name="stdin", daemon=True).start()
    return lines
