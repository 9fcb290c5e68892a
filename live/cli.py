"""``gance-live``: the command line. Run ``gance-live --help`` or ``gance-live COMMAND --help``."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import re
import select
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from live import __version__
from live.config import Config, describe, load_config
from live.contracts.errors import LiveError, UserError
from live.contracts.shipped import DEMO_CONFIG

if TYPE_CHECKING:
    from live.engine.conductor import ShowSummary
    from live.engine.show import ShowOptions

DEMO_HEADLESS_SECONDS = 10.0
OUT_DIR = Path("out")

# Concerns that add their own subcommands with register(subparsers).
COMMAND_MODULES = ("live.synth.cli", "live.compositor.cli", "live.control.cli",
                   "live.hardware.cli", "live.projector.cli")

EPILOG = """\
first steps:
  gance-live demo                     built-in network and audio loop, in a window (Esc quits)
  gance-live demo --headless          the same as a 10 s mp4 in out/
  gance-live run config/show.toml     a show: networks, audio and controllers from the file
  gance-live render config/show.toml --audio song.wav --out show.mp4
  gance-live render config/set.toml --out set.mp4     (a set, with its songs' own audio)
  gance-live keys                     every config key with its default and meaning
"""


def _parse_override(text: str) -> tuple[str, object]:
    import tomllib

    key, sep, value = text.partition("=")
    if not sep or "." not in key:
        raise argparse.ArgumentTypeError(f"expected section.key=value, got {text!r}")
    try:
        return key.strip(), tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        return key.strip(), value  # a bare word is a string


def _load(args: argparse.Namespace) -> Config:
    overrides = dict(args.set or [])
    return load_config(args.config, overrides)


def _headless(args: argparse.Namespace) -> bool:
    """Headless when asked, or (with a message) when there is no display to open a window on."""
    if args.headless:
        return True
    from live.compositor import display_available

    if not display_available():
        print("gance-live: no display found (DISPLAY is unset or unusable): running headless",
              file=sys.stderr)
        return True
    return False


def _options(args: argparse.Namespace, mode: str, headless: bool, seconds, out) -> ShowOptions:
    from live.engine.show import ShowOptions

    return ShowOptions(
        mode=mode, headless=headless, seconds=seconds, out=out,
        audio=Path(args.audio) if getattr(args, "audio", None) else None,
        frame_log=Path(args.frame_log) if args.frame_log else None,
        event_log=Path(args.log_events) if getattr(args, "log_events", None) else None,
        replay=Path(args.replay) if getattr(args, "replay", None) else None,
        telemetry_log=Path(args.telemetry_log) if getattr(args, "telemetry_log", None) else None,
        per_song=getattr(args, "per_song", False))


def _run(cfg: Config, args: argparse.Namespace, mode: str, headless: bool, seconds, out) -> int:
    from live.engine.show import run_show

    options = _options(args, mode, headless, seconds, out)
    code = _report(run_show(cfg, options))
    if options.event_log is not None:
        print(f"gance-live: control events in {options.event_log} "
              f"(replay: gance-live render ... --replay {options.event_log})")
    return code


def _report(summary: ShowSummary) -> int:
    """The show's closing lines; the exit status (1 when it could not do its job)."""
    print(f"gance-live: {summary.stop_reason}: {summary.frames_shown} frames shown, "
          f"{summary.frames_dropped} dropped, {summary.frames_skipped} skipped"
          + (f", {summary.frames_thinned} left out by the thermal guard"
             if summary.frames_thinned else "")
          + (f", {summary.workers_lost} worker restarts" if summary.workers_lost else ""))
    for report in summary.reports:
        print(f"gance-live: {report}")
    if summary.output:
        print(f"gance-live: wrote {summary.output}")
    return 1 if summary.failed else 0


def cmd_demo(args: argparse.Namespace) -> int:
    cfg = load_config(DEMO_CONFIG, dict(args.set or []))
    headless = _headless(args)
    seconds, out = args.seconds, Path(args.out) if args.out else None
    if headless:
        seconds = seconds or DEMO_HEADLESS_SECONDS
        out = out or OUT_DIR / f"demo-{time.strftime('%Y%m%d-%H%M%S')}.mp4"
    return _run(cfg, args, "live", headless, seconds, out)


def cmd_run(args: argparse.Namespace) -> int:
    cfg = _load(args)
    headless = _headless(args)
    stem = f"{_file_stem(cfg.show.name)}-{time.strftime('%Y%m%d-%H%M%S')}"
    if args.log_events is None:  # every performance is logged, so it can be rendered again
        args.log_events = str(OUT_DIR / f"{stem}.events.jsonl")
    out = Path(args.out) if args.out else None
    if out is None and cfg.output.record:
        out = cfg.resolve(cfg.output.record)
    if headless and out is None:
        out = OUT_DIR / f"{stem}.mp4"
    if headless and args.seconds is None:
        raise UserError("--headless needs --seconds S (a headless show has no window to close)")
    return _run(cfg, args, "live", headless, args.seconds, out)


def _file_stem(name: str) -> str:
    """``show.name`` as one harmless file-name part: letters, digits, ``_`` and ``-`` only,
    so a name such as ``../../x`` cannot put a file outside out/."""
    return re.sub(r"[^\w-]+", "-", name).strip("-") or "show"


def cmd_render(args: argparse.Namespace) -> int:
    cfg = _load(args)  # run_show checks --audio with the config's files, before starting
    if args.cluster is None:
        return _run(cfg, args, "render", True, args.seconds, Path(args.out))
    for flag, given in (("--frame-log", args.frame_log), ("--per-song", args.per_song)):
        if given:
            raise UserError(f"render --cluster: {flag} is not available over a cluster; "
                            f"render without --cluster for it")
    from live.cluster.render import render_on_cluster

    return _report(render_on_cluster(cfg, _options(args, "render", True, args.seconds,
                                                   Path(args.out)),
                                     args.cluster, args.shard_seconds))


def cmd_keys(args: argparse.Namespace) -> int:
    section = None
    for key, default, help_text in describe(Config):
        head = key.split(".")[0]
        if head != section:
            section = head
            print(f"\n[{section}]")
        print(f"  {key.split('.', 1)[1]} = {_toml(default)}\n      {help_text}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Everything a show checks before it starts, without starting it."""
    cfg = _load(args)
    from live.control.hub import ControlHub
    from live.engine.show import ShowOptions, preflight

    checked = preflight(cfg, ShowOptions(), every_song=True, strict_scenes=True)
    ControlHub(cfg.control, clock=time.monotonic, network_count=len(checked.specs),
               resolve=cfg.resolve, show_file=cfg.path)  # loads every MIDI map
    audio = checked.audio_path
    print(f"{args.config}: ok: {len(checked.specs)} networks, audio {cfg.audio.source}"
          + (f" ({audio})" if audio else "") + f", latents {cfg.latents.source}, "
          f"{cfg.show.fps} fps" + (f", {len(cfg.songs)} songs" if cfg.songs else ""))
    return 0


def cmd_devices(args: argparse.Namespace) -> int:
    from live.audio.backends import quiet_stderr
    from live.audio.devices import describe_audio_devices
    from live.compositor import describe_monitor, list_monitors
    from live.control.ports import list_midi_ports
    from live.telemetry.gpus import Nvml, describe
    from live.video.sources import describe_cameras, list_cameras

    print(describe_audio_devices(args.backend))
    with quiet_stderr():  # ALSA prints to stderr when this kernel has no sequencer
        ports = list_midi_ports()
    print("\nMIDI inputs:" + "".join(f"\n  {port}" for port in ports)
          if ports else "\nMIDI inputs: none (no controller, or no ALSA sequencer / JACK server)")
    monitors = list_monitors()
    print("\nMonitors:" + "".join(f"\n  {describe_monitor(m)}" for m in monitors)
          if monitors else "\nMonitors: none (no display)")
    nvml = Nvml()
    try:
        samples = nvml.sample(time.monotonic())
    finally:
        nvml.close()
    print("\nGPUs:" + "".join(f"\n  {describe(s)}  ({s.name})" for s in samples)
          if samples else f"\nGPUs: none ({nvml.missing}): CPU workers")
    print("\n" + describe_cameras(list_cameras()))
    return 0


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gance-live", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Real-time StyleGAN2 visuals driven by live audio and MIDI, for the stage.",
        epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"gance-live {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what each part does")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def show_flags(p: argparse.ArgumentParser, config: bool = True) -> None:
        if config:
            p.add_argument("config", help="show file (TOML), e.g. config/demo.toml")
        p.add_argument("--set", action="append", type=_parse_override, metavar="SECTION.KEY=VALUE",
                       help="override a config key, e.g. --set show.fps=24 (repeatable)")
        p.add_argument("--frame-log", metavar="FILE",
                       help="write one JSON line per shown frame (index, network, gain, timings)")

    demo = sub.add_parser("demo", help="play the built-in demo (needs nothing)",
                          description="Play the built-in demo network with the built-in audio "
                          "loop: in a window when there is a display (Esc quits), otherwise a "
                          f"{DEMO_HEADLESS_SECONDS:.0f} s mp4 in out/.")
    demo.add_argument("--headless", action="store_true", help="no window: record an mp4")
    demo.add_argument("--seconds", type=float, help="stop after S seconds")
    demo.add_argument("--out", metavar="FILE", help="mp4 to write (headless default: out/demo-*.mp4)")
    show_flags(demo, config=False)
    demo.set_defaults(func=cmd_demo)

    run = sub.add_parser("run", help="play a show from its config file",
                         description="Play a show: audio in, pictures out, controllers live.")
    show_flags(run)
    run.add_argument("--headless", action="store_true",
                     help="no window: render offscreen and record (needs --seconds)")
    run.add_argument("--seconds", type=float, help="stop after S seconds")
    run.add_argument("--out", metavar="FILE", help="record the output to this mp4")
    run.add_argument("--telemetry-log", metavar="FILE",
                     help="write every GPU's telemetry (one JSON line per GPU, about twice a "
                          "second), which [telemetry] replay plays back")
    run.add_argument("--log-events", metavar="FILE",
                     help="where the control events go, for `render --replay` "
                          "(default: out/NAME-TIME.events.jsonl; a .partial beside it until "
                          "the show ends)")
    run.set_defaults(func=cmd_run)

    render = sub.add_parser("render", help="render a show offline to an mp4 (deterministic)",
                            description="Render every frame of a show for an audio file, "
                            "offline and deterministically, with the audio muxed in.")
    show_flags(render)
    render.add_argument("--audio", metavar="FILE", help="wav, flac or ogg; default: the show's "
                        "own: its songs' audio one after another, or [audio] file")
    render.add_argument("--out", required=True, metavar="FILE", help="mp4 to write")
    render.add_argument("--seconds", type=float, help="render only the first S seconds")
    render.add_argument("--replay", metavar="FILE", help="control events logged by `run --log-events`")
    render.add_argument("--per-song", action="store_true",
                        help="a set: also one mp4 per song beside --out (OUT-01.mp4, ...)")
    render.add_argument("--cluster", metavar="ADDRESS",
                        help="draw the frames over a Ray cluster (host:port of its head, or "
                             "auto: a running one, else one on this machine); needs "
                             "pip install gance-live[cluster]")
    render.add_argument("--shard-seconds", type=float, default=10.0, metavar="S",
                        help="--cluster: seconds of frames in each shard (whole seconds; "
                             "default 10)")
    render.set_defaults(func=cmd_render)

    keys = sub.add_parser("keys", help="list every config key with its default and meaning")
    keys.set_defaults(func=cmd_keys)
    devices = sub.add_parser("devices",
                             help="list audio devices, MIDI ports, monitors, GPUs and cameras",
                             description="What this machine offers the show. Use a name "
                             "substring or index from here in [audio] input_device / "
                             "output_device, [output] monitor, [video] device and the MIDI "
                             "map's port.")
    devices.add_argument("--backend", choices=("sounddevice", "pyaudio"), default="sounddevice",
                         help="audio library to ask (default: sounddevice)")
    devices.set_defaults(func=cmd_devices)
    check = sub.add_parser("check", help="validate a show file without starting anything",
                           description="Check a show file the way `run` does before it "
                           "starts: keys and values, every network (loaded), the audio "
                           "(decoded to its last sample), the latent source (a projection "
                           "read to its last frame) and the MIDI maps.")
    check.add_argument("config")
    check.add_argument("--set", action="append", type=_parse_override, metavar="SECTION.KEY=VALUE")
    check.set_defaults(func=cmd_check)

    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="gance-live: %(message)s")
    try:
        code = args.func(args)
        sys.stdout.flush()  # buffered output meets a reader that has left here, if not before
        return code
    except BrokenPipeError:
        if not _reader_gone(sys.stdout):
            raise  # a pipe of our own (a child, the encoder) broke: a real fault
        # `gance-live keys | head`: the reader has what it wanted, so this is a success (0,
        # which `set -o pipefail` scripts such as `gance-live keys | grep -q fps` rely on).
        # Python's recipe: point stdout at /dev/null so the final flush at exit stays quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except LiveError as exc:
        if args.debug:
            raise
        print(f"gance-live: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _reader_gone(stream: TextIO) -> bool:
    """Whether ``stream`` is a pipe (or socket) whose reading end has been closed."""
    try:
        poller = select.poll()
        poller.register(stream.fileno(), select.POLLOUT)
        return any(events & select.POLLERR for _, events in poller.poll(0))
    except (OSError, ValueError):  # no file descriptor, or a closed one
        return False


if __name__ == "__main__":
    sys.exit(main())
