"""Run a show: wire the processes of DESIGN.md together and conduct until the end.

    summary = run_show(load_config("config/demo.toml"), ShowOptions(headless=True, seconds=5,
                                                                     out=Path("out/demo.mp4")))

``mode="live"`` paces frames by the clock and listens to audio and controllers;
``mode="render"`` draws every frame of an audio file offline, deterministically.
"""

from __future__ import annotations

import json
import logging
import math
import os
import signal
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import numpy as np

from live.contracts.features import FeatureFrame, with_events_since
from live.config import Config, ConfigError
from live.contracts.errors import UserError
from live.contracts.outputs import growing_output
from live.contracts.paths import check_input_file
from live.contracts.parameters import PARAMETERS
from live.contracts.state import ControlEvent, ShowState, read_event_log, write_event_log
from live.engine.conductor import Conductor, ShowSummary
from live.contracts.frames import FrameRing
from live.contracts.shm import remove_stale_segments
from live.engine.supervisor import Supervisor
from live.engine.worker import Synthetic, WorkerSpec

if TYPE_CHECKING:  # torch and the analysis stay unimported until a show needs them
    from live.audio.config import AudioConfig
    from live.audio.features import FeatureTrack
    from live.latents.instrument import Instrument
    from live.synth.networks import Generator

log = logging.getLogger(__name__)

START_LEAD_S = 0.25        # frame 0 is due this long after everything is ready
CPU_WORKERS_DEFAULT = 2    # with no GPU: one worker per core of a small machine
EVENT_LOOKBACK_HOPS = 32   # hops read back for events between frames (> a frame at 5 fps)


@dataclass
class ShowOptions:
    """How to run a show (the CLI fills this from its flags)."""

    mode: str = "live"                 # "live" or "render"
    headless: bool = False             # no window: render offscreen (EGL) and record
    seconds: float | None = None       # stop after this long (None: until Esc / Ctrl-C / end)
    out: Path | None = None            # record the output to this mp4
    audio: Path | None = None          # render: the audio file (default: the config's)
    frame_log: Path | None = None      # JSON lines, one per shown frame
    event_log: Path | None = None      # JSON lines, one per control event
    replay: Path | None = None         # control events to play back (render)


def network_specs(cfg: Config) -> list[str]:
    """The config's network list with file paths resolved against the config's folder."""
    specs = []
    for entry in cfg.networks.files:
        if entry.startswith("demo:"):
            specs.append(entry)
            continue
        specs.append(str(cfg.input_file(entry, "[networks] files", "network file",
                                        fix="give a .pkl or .safetensors path, or demo:N")))
    return specs


def worker_devices(cfg: Config) -> list[str]:
    """One device string per worker process: CUDA devices first, else CPU workers."""
    import torch

    engine = cfg.engine
    cuda = torch.cuda.device_count() if engine.device in ("auto", "cuda") else 0
    if engine.device == "cuda" and cuda == 0:
        raise ConfigError(f"{cfg.path}: [engine] device: \"cuda\" asked for but no CUDA "
                          f"device is visible (use \"auto\" or \"cpu\")")
    if cuda:
        devices = [f"cuda:{i}" for i in range(cuda) for _ in range(engine.workers_per_gpu)]
        count = engine.workers or len(devices)
        return [devices[i % len(devices)] for i in range(count)]
    return ["cpu"] * (engine.workers or CPU_WORKERS_DEFAULT)


def audio_file(cfg: Config, override: Path | None = None) -> Path | None:
    """The audio file the show plays (file / demo sources), None for live input."""
    from live.audio.demo import demo_loop_path

    if override is not None:
        return check_input_file(override, "audio file", where="--audio", error=UserError)
    if cfg.audio.source == "demo":
        return demo_loop_path()
    if cfg.audio.source == "file":
        if not cfg.audio.file:
            raise ConfigError(f"{cfg.path}: [audio] file: empty, but source = \"file\" needs an "
                              f"audio file (or use source = \"demo\")")
        return cfg.input_file(cfg.audio.file, "[audio] file", "audio file",
                              fix="a .wav, .flac or .ogg file, relative to the config")
    return None


@contextmanager
def _stop_on_signals(conductor: Conductor, supervisor: Supervisor) -> Iterator[None]:
    """SIGINT (Ctrl-C) and SIGTERM end the show cleanly instead of killing it mid-frame."""

    def stop(signum: int, _frame) -> None:
        supervisor.begin_stop()
        conductor.request_stop(signal.Signals(signum).name)

    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in previous:
        signal.signal(sig, stop)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def build_instrument(cfg: Config, specs: list[str]):
    """The show's instrument and its first network (loaded on the CPU: the conductor maps
    the instrument's z stops through its mapping network). Checks the latent source
    (projection files, keyframes) against the networks."""
    from live.latents.instrument import Instrument
    from live.synth import load_network

    first = load_network(specs[0], device="cpu")
    w_avg = first.mapping.w_avg.detach().cpu().numpy().astype(np.float32)

    def map_z(z: np.ndarray) -> np.ndarray:
        import torch

        with torch.no_grad():
            ws = first.mapping(torch.from_numpy(np.asarray(z, np.float32)), None)
        return ws[:, 0].cpu().numpy().astype(np.float32)

    instrument = Instrument(cfg.latents, seed=cfg.show.seed, fps=cfg.show.fps,
                            num_ws=first.num_ws, network_count=len(specs), map_z=map_z,
                            w_avg=w_avg, resolve=cfg.resolve, config_name=str(cfg.path))
    return instrument, first


@dataclass
class Preflight:
    """What :func:`preflight` checked and a show starts from."""

    specs: list[str]                   # network specs, files resolved
    audio_path: Path | None            # the audio file played or rendered (None: live input)
    instrument: Instrument
    first: Generator                   # the first network, on the CPU (the instrument's mapping)
    replay: list[ControlEvent]         # control events to play back
    track: FeatureTrack | None         # render: the audio file's analysis


def preflight(cfg: Config, options: ShowOptions) -> Preflight:
    """Everything a show checks before it starts a process; ``gance-live check`` runs it and
    stops. Refuses (one :class:`~live.contracts.errors.LiveError` line) an output that would
    overwrite an input or is a folder, a network that does not load, audio that does not
    decode to finite samples, a latent source that does not fit the networks (a projection
    is read through its last frame), a replay log that is not one."""
    from live.synth import load_network

    specs = network_specs(cfg)
    audio_path = audio_file(cfg, options.audio)
    refuse_outputs_over_inputs(_outputs(options),
                               show_inputs(cfg, specs, audio_path, options.replay))
    replay = _read_replay(options.replay)
    for spec in specs[1:]:  # every network loads; the first is loaded for the instrument below
        load_network(spec, device="cpu")
    instrument, first = build_instrument(cfg, specs)
    track = None
    if options.mode == "render":
        from live.audio.features import FeatureTrack

        # With the [audio] settings the live extractor uses, so render sees what live sees.
        track = FeatureTrack.from_file(audio_path, cfg.audio)
    elif audio_path is not None:
        _check_audio_program(_audio_config(cfg, audio_path), cfg)
    return Preflight(specs, audio_path, instrument, first, replay, track)


def show_inputs(cfg: Config, specs: list[str], audio_path: Path | None,
                replay: Path | None = None) -> list[tuple[str, Path]]:
    """Every file the show reads, each with the key (or flag) that names it."""
    inputs = [("the show file", cfg.path)] if cfg.path else []
    inputs += [("[networks] files", Path(spec)) for spec in specs if not spec.startswith("demo:")]
    if audio_path is not None:
        inputs.append(("the audio file", audio_path))
        if cfg.audio.source == "file":
            inputs += [("[audio] playlist", cfg.resolve(name)) for name in cfg.audio.playlist]
    latents = cfg.latents
    if latents.source == "projection" and latents.projection.file:
        inputs.append(("[latents.projection] file", cfg.resolve(latents.projection.file)))
    inputs += [("[latents.keyframes] points", cfg.resolve(point))
               for point in latents.keyframes.points if not point.startswith("seed:")]
    inputs += [("[control.midi] maps", cfg.resolve(name)) for name in cfg.control.midi.maps]
    if replay is not None:
        inputs.append(("--replay", replay))
    return inputs


def _outputs(options: ShowOptions) -> list[tuple[str, Path]]:
    named = (("the recording", options.out), ("the frame log", options.frame_log),
             ("the event log", options.event_log))
    return [(role, path) for role, path in named if path is not None]


def refuse_outputs_over_inputs(outputs: list[tuple[str, Path]],
                               inputs: list[tuple[str, Path]]) -> None:
    """Raise :class:`UserError` for an output that is a folder, one of the show's input
    files (the same file by any name: links count), or the same file as another output."""
    for number, (role, path) in enumerate(outputs):
        if path.is_dir():
            raise UserError(f"{path}: is a folder, not a file name for {role}; name a "
                            f"file (in it or elsewhere)")
        for input_role, input_path in inputs:
            if path.exists() and input_path.exists() and os.path.samefile(path, input_path):
                raise UserError(f"{path}: {role} would overwrite {input_role} "
                                f"({input_path}), destroying it; write to another file")
        for other_role, other in outputs[number + 1:]:
            if os.path.realpath(path) == os.path.realpath(other):
                raise UserError(f"{path}: {role} and {other_role} are the same file; "
                                f"give each its own name")


def _audio_config(cfg: Config, audio_path: Path | None) -> AudioConfig:
    """The [audio] section the audio process plays: the file chosen, resolved."""
    if audio_path is None:
        return cfg.audio
    return replace(cfg.audio, source="file", file=str(audio_path))


def _config_dir(cfg: Config) -> str:
    return str(cfg.path.parent) if cfg.path else "."


def _check_audio_program(audio_cfg: AudioConfig, cfg: Config) -> None:
    """Decode what the audio process will play (file, playlist, loop region), as it does:
    a file that does not decode, or holds samples that are not finite, refuses the show."""
    from live.audio.backends import quiet_stderr
    from live.audio.process import load_program

    with quiet_stderr():  # libsndfile's decoders print notes about garbage on the way to failing
        load_program(audio_cfg, _config_dir(cfg))


def run_show(cfg: Config, options: ShowOptions) -> ShowSummary:
    """Start every process, conduct the show, and clean up on every exit path."""
    from live.compositor.process import CompositorSpec

    render = options.mode == "render"
    checked = preflight(cfg, options)
    _remove_stale_segments()
    specs, audio_path, track = checked.specs, checked.audio_path, checked.track
    synthetic = cfg.engine.synthesis == "synthetic"
    if synthetic and not cfg.engine.synthetic_ms:
        raise ConfigError(f"{cfg.path}: [engine] synthetic_ms: empty; give each synthetic "
                          f"worker's milliseconds per frame, e.g. [16.0]")
    devices = ["cpu"] * (cfg.engine.workers or CPU_WORKERS_DEFAULT) if synthetic \
        else worker_devices(cfg)
    fps = cfg.show.fps
    frames = None if options.seconds is None else max(1, round(options.seconds * fps))
    if render and frames is None:
        frames = max(1, math.floor(track.duration * fps))
    if options.out is not None:
        options.out.parent.mkdir(parents=True, exist_ok=True)
    state = ShowState(**{p.name: _config_value(cfg, p.config) for p in PARAMETERS if p.config},
                      crossfade_to=min(1, len(specs) - 1))

    with ExitStack() as stack:
        controls = None
        if not render:  # opened first: a bad map or a busy OSC port refuses the show at once
            from live.control.hub import ControlHub

            controls = stack.enter_context(ControlHub(
                cfg.control, clock=lambda: conductor.show_time(), network_count=len(specs),
                resolve=cfg.resolve))
        supervisor = Supervisor(cfg.engine.restart_workers)
        stack.callback(supervisor.finish_recording)   # after the shutdown (last in, first out)
        stack.callback(supervisor.shutdown)
        size = cfg.engine.synthetic_size if synthetic else checked.first.img_resolution
        ring = FrameRing.create(cfg.engine.slots, size, size)
        stack.callback(ring.close)

        if render:
            features_at = lambda index, t_due: track.at(index / fps)
            audio_offset = lambda t0: 0.0  # the render starts at the file's beginning
        else:
            features_at, audio_offset = _start_audio(cfg, supervisor, stack, audio_path)
        for worker_id, device in enumerate(devices):
            supervisor.start_worker(WorkerSpec(
                worker_id, device, tuple(specs), ring.name,
                threads=cfg.engine.threads_per_worker, fp16=cfg.networks.fp16,
                noise_mode=cfg.networks.noise_mode,
                synthetic=_synthetic_timing(cfg, worker_id) if synthetic else None))
        compositor_spec = CompositorSpec(
            output=cfg.output, ring_name=ring.name, fps=fps, headless=options.headless or render,
            mode=options.mode, record_path=str(options.out) if options.out else None,
            audio_path=str(audio_path) if audio_path and options.out else None,
            frame_log=str(options.frame_log) if options.frame_log else None,
            max_latency_frames=cfg.engine.max_latency_frames,
            keyboard=cfg.control.keyboard and not render)
        supervisor.start_compositor(compositor_spec)
        sources = {f"worker:{i}" for i in range(len(devices))} | {"compositor"}
        if "audio" in supervisor.others:
            sources.add("audio")
        for warning in supervisor.wait_ready(sources):
            log.warning("%s: %s", warning.source, warning.detail)

        event_stream = None
        if options.event_log is not None:
            event_stream = stack.enter_context(growing_output(options.event_log))
        conductor = Conductor(
            fps=fps, state=state, network_count=len(specs), instrument=checked.instrument,
            features_at=features_at, ring=ring, workers=supervisor, inbox=supervisor.inbox,
            controls=controls, replay=checked.replay, realtime=not render, frames=frames,
            on_event=(lambda e: write_event_log([e], event_stream)) if event_stream else None,
            audio_offset=audio_offset,
            on_shown=_progress_bar(stack, frames) if render else None,
            hud_always=cfg.output.preview and not compositor_spec.headless,
            dispatch_margin_s=cfg.engine.dispatch_margin_ms / 1000.0,
            flash_onsets=cfg.engine.test_pattern == "onset")
        with _stop_on_signals(conductor, supervisor):
            summary = conductor.run(lead_s=START_LEAD_S)
    if supervisor.recording:   # every part, whichever compositor (or the supervisor) finished it
        summary.output = ", ".join(map(str, supervisor.recording))
    return summary


def _synthetic_timing(cfg: Config, worker_id: int) -> Synthetic:
    """A synthetic worker's timing: ``[engine] synthetic_ms`` repeated over the workers."""
    engine = cfg.engine
    milliseconds = engine.synthetic_ms[worker_id % len(engine.synthetic_ms)]
    return Synthetic(milliseconds / 1000.0, engine.synthetic_jitter_ms / 1000.0)


def _remove_stale_segments() -> None:
    """A show killed outright (SIGKILL, the OOM killer) leaves its shared memory behind;
    the next one removes it, so /dev/shm does not fill up over a tour."""
    removed = remove_stale_segments()
    if removed:
        log.warning("removed shared memory left by dead shows: %s", ", ".join(removed))


def _start_audio(cfg: Config, supervisor: Supervisor, stack: ExitStack, audio_path: Path | None):
    """Start the audio process and the feature ring it publishes into.

    Returns ``(features_at, audio_offset)``: the features for frame ``index`` due at
    ``t_due``, and the position in the audio file heard at a monotonic time (for muxing
    the recording; None for live input).
    """
    from live.audio.process import audio_main
    from live.contracts.feature_ring import FeatureRing

    feature_ring = FeatureRing.create()
    stack.callback(feature_ring.close)
    supervisor.start_child("audio", audio_main, _audio_config(cfg, audio_path), _config_dir(cfg),
                           feature_ring.name, supervisor.inbox, supervisor.stop_event)

    delivered = [0.0]   # the newest hop whose events a frame has carried

    def features_at(index: int, t_due: float) -> FeatureFrame | None:
        # Rehearsal hops are stamped with the time they will be heard, so this is the music
        # the audience hears as the frame goes up (or the newest hop analysed so far).
        hops = [hop for hop in feature_ring.recent(EVENT_LOOKBACK_HOPS) if hop.time <= t_due]
        features = with_events_since(hops, delivered[0])
        if features is not None:
            delivered[0] = max(delivered[0], features.time)
        return features

    def audio_offset(t0: float) -> float | None:
        origin = feature_ring.playback_origin
        return None if origin is None else t0 - origin

    return features_at, audio_offset


def _progress_bar(stack: ExitStack, frames: int):
    """A render's progress bar with ETA on stderr; returns the conductor's ``on_shown``."""
    from tqdm import tqdm

    bar = stack.enter_context(tqdm(total=frames, unit="frame", desc="render", leave=True,
                                   dynamic_ncols=True))

    def shown(count: int) -> None:
        bar.update(count - bar.n)

    return shown


def _read_replay(path: Path | None) -> list[ControlEvent]:
    if path is None:
        return []
    try:
        with path.open() as stream:
            return list(read_event_log(stream))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such event log (written by gance-live run --log-events)") from None
    except (json.JSONDecodeError, KeyError, ValueError) as exc:
        raise ConfigError(f"{path}: not a gance-live event log ({exc})") from None



def _config_value(cfg: Config, dotted: str) -> Any:
    """The value of a ``section.key`` of the show config (a parameter's starting value)."""
    value: Any = cfg
    for part in dotted.split("."):
        value = getattr(value, part)
    return value
