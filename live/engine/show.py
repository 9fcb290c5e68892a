"""Run a show: wire the processes of DESIGN.md together and conduct until the end.

    summary = run_show(load_config("config/demo.toml"), ShowOptions(headless=True, seconds=5,
                                                                     out=Path("out/demo.mp4")))

``mode="live"`` paces frames by the clock and listens to audio and controllers;
``mode="render"`` draws every frame of an audio file offline, deterministically.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import os
import signal
import tempfile
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

import numpy as np

from live.contracts.features import FeatureFrame, with_events_of
from live.compositor.config import check_ndi_config_dir
from live.config import Config, ConfigError
from live.contracts.errors import LiveError, UserError
from live.contracts.outputs import atomic_output, growing_output
from live.contracts.paths import check_input_file
from live.contracts.parameters import PARAMETERS, Parameter
from live.contracts.shipped import beside_show
from live.contracts.state import ControlEvent, ShowState, read_event_log, write_event_log
from live.control import scenes
from live.engine.conductor import SONG_MOVES, Conductor, ShowSummary
from live.engine.plan import ShowPlan
from live.engine.showbox import ShowBox, worker_gpus
from live.contracts.frames import FrameRing
from live.contracts.shm import remove_stale_segments
from live.contracts.video import VideoRing
from live.engine.supervisor import Supervisor
from live.engine.worker import Synthetic, WorkerSpec
from live.latents.songs import SongConfig

if TYPE_CHECKING:  # torch and the analysis stay unimported until a show needs them
    from live.audio.config import AudioConfig
    from live.audio.features import FeatureTrack
    from live.hardware.link import CoolerLink
    from live.audio.files import AudioProgram
    from live.latents.instrument import Instrument
    from live.latents.loading import SongLoader
    from live.overlay.sources import EyeSource
    from live.synth.networks import Generator
    from live.telemetry.sampler import RecordedTelemetry

log = logging.getLogger(__name__)

START_LEAD_S = 0.25        # frame 0 is due this long after everything is ready
COMPOSITOR_EXIT_S = 30.0   # a shard's compositor exits this soon after its recording is done
CPU_WORKERS_DEFAULT = 2    # with no GPU: one worker per core of a small machine
EVENT_HOPS = 32            # hops looked back for events between frames (> hops per frame)


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
    telemetry_log: Path | None = None  # JSON lines, one per GPU and telemetry sample
    per_song: bool = False             # render: also cut the recording into one mp4 per song


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


def the_songs(cfg: Config) -> list[SongConfig]:
    """The set's songs; a show without ``[[songs]]`` is a set of one, its ``[latents]``."""
    return cfg.songs or [SongConfig(name=cfg.show.name, latents=cfg.latents)]


def song_where(cfg: Config, song: int) -> str:
    """Where a song's settings are, for error lines: ``show.toml: song 2 (intro)``."""
    if not cfg.songs:
        return str(cfg.path)
    name = cfg.songs[song].name
    return f"{cfg.path}: song {song + 1}" + (f" ({name})" if name else "")


def set_audio(cfg: Config, override: Path | None = None) -> list[Path]:
    """The songs' own audio files, in set order, when the set plays them (``[audio] source =
    "file"``, songs with audio, no ``--audio``); else none."""
    if override is not None or cfg.audio.source != "file" or not cfg.songs \
            or not cfg.songs[0].audio:
        return []
    return [cfg.input_file(song.audio, f"song {number} [songs] audio", "audio file",
                           fix="a .wav, .flac or .ogg file, relative to the config")
            for number, song in enumerate(cfg.songs, start=1)]


def song_bounds(files: list[Path]) -> list[tuple[float, float]]:
    """``[start, end)`` seconds of each file in the program that plays them one after another."""
    import soundfile

    bounds, start = [], 0.0
    for path in files:
        info = soundfile.info(str(path))
        end = start + info.frames / info.samplerate
        bounds.append((start, end))
        start = end
    return bounds


def mapping_of(network: Generator) -> Callable[[np.ndarray], np.ndarray]:
    """z [N, 512] -> W [N, 512] through ``network``'s mapping, as numpy (on the CPU)."""
    def map_z(z: np.ndarray) -> np.ndarray:
        import torch

        with torch.no_grad():
            ws = network.mapping(torch.from_numpy(np.asarray(z, np.float32)), None)
        return ws[:, 0].cpu().numpy().astype(np.float32)
    return map_z


def network_directions(spec: str, network: Generator) -> np.ndarray:
    """The semantic directions of one network (computed once, then cached; directions.py)."""
    from live.latents.directions import cached_directions, fingerprint
    from live.synth.cache import cache_root

    key = fingerprint(t.detach().cpu().numpy() for t in network.mapping.state_dict().values())
    file = None if spec.startswith("demo:") else Path(spec)
    return cached_directions(file, key, cache_root() / "directions", mapping_of(network))


def build_instrument(cfg: Config, specs: list[str]):
    """The instrument of the set's first song, a ``load(song, loader)`` that builds any song's
    (its files read by ``loader``'s child process, or, without one, here), and
    the first network (loaded on the CPU: the conductor maps the instruments' z stops
    through its mapping network). Every network is loaded, for its semantic directions.
    Building checks the song's latent source (projection files, keyframes) against the
    networks; an error line names the song."""
    from live.latents.instrument import Instrument
    from live.synth import load_network

    networks = [load_network(spec, device="cpu") for spec in specs]
    first = networks[0]
    w_avg = first.mapping.w_avg.detach().cpu().numpy().astype(np.float32)
    directions = np.stack([network_directions(spec, network)
                           for spec, network in zip(specs, networks)])
    map_z = mapping_of(first)
    songs = the_songs(cfg)

    def load(song: int, loader: SongLoader | None = None) -> Instrument:
        where = song_where(cfg, song)
        latents = songs[song].latents
        try:
            files = None if loader is None else \
                loader.read(latents, first.num_ws, cfg.show.fps, cfg.resolve, where)
            return Instrument(latents, seed=cfg.show.seed, fps=cfg.show.fps,
                              num_ws=first.num_ws, network_count=len(specs), map_z=map_z,
                              w_avg=w_avg, resolve=cfg.resolve, config_name=where,
                              directions=directions, files=files)
        except LiveError as exc:
            if str(exc).startswith(where):
                raise
            raise type(exc)(f"{where}: {exc}") from None   # a projection file names itself only

    return load(0), load, first


@dataclass
class Preflight:
    """What :func:`preflight` checked and a show starts from."""

    specs: list[str]                   # network specs, files resolved
    audio_path: Path | None            # the audio file played or rendered (None: live input)
    instrument: Instrument             # the first song's
    load_song: Callable[..., Instrument]   # builds a song's instrument: (song, loader=None)
    song_audio: list[Path]             # the songs' audio files when the set plays its own
    first: Generator                   # the first network, on the CPU (the instrument's mapping)
    replay: list[ControlEvent]         # control events to play back
    track: FeatureTrack | None         # render: the audio file's analysis
    video_path: Path | None            # [video] file, checked to decode (source = file)
    ndi_config_dir: Path | None        # [output.ndi] config_dir, its NDI settings checked
    eyes: list[EyeSource | None]       # [overlays] eyes: each song's source, its eyes computed
    scenes: scenes.SceneBook | None    # the scenes beside the show file (a render plays none)


def preflight(cfg: Config, options: ShowOptions, every_song: bool = False,
              scratch: Path | None = None, strict_scenes: bool = False) -> Preflight:
    """Everything a show checks before it starts a process; ``gance-live check`` runs it and
    stops. Refuses (one :class:`~live.contracts.errors.LiveError` line) an output that would
    overwrite an input or is a folder, NDI settings NDI cannot read, a network that does not
    load, audio that does not decode to finite samples, a latent source that does not fit
    the networks (a projection is read through its last frame), a replay log that is not
    one. Of the set, the first song is built; the others' files must exist (they load in
    the background while the show plays), or, with ``every_song`` (``gance-live check``),
    are built too. A render of a set whose songs have audio joins it into one file in ``scratch``. A broken scene file
    (``SHOW.scenes.toml``) is refused with ``strict_scenes`` (``check``); a show says so
    once and plays without those scenes."""
    ndi_settings = ndi_config_dir(cfg)
    specs = network_specs(cfg)
    song_audio = set_audio(cfg, options.audio)
    audio_path = song_audio[0] if song_audio else audio_file(cfg, options.audio)
    refuse_outputs_over_inputs(_outputs(options),
                               show_inputs(cfg, specs, audio_path, options.replay))
    replay = _read_replay(options.replay)
    _recorded_telemetry(cfg)   # a telemetry log to replay is read through before anything starts
    instrument, load_song, first = build_instrument(cfg, specs)   # every network loads
    for song in range(1, len(cfg.songs)):
        if every_song:
            load_song(song)
        else:   # it loads while the show plays: a file missing refuses the show now
            for role, path in song_files(cfg, song):
                check_input_file(path, "input file", where=role, error=ConfigError)
    track = None
    if options.mode == "render" and audio_path is None and not song_audio:
        raise UserError(f"{cfg.path}: [audio] source = \"{cfg.audio.source}\" plays no "
                        f"file: give render the music with --audio FILE")
    if song_audio and (options.mode == "render" or options.out is not None):
        # The set's audio, joined, is what a render hears and what a recording muxes.
        assert scratch is not None, "a set with audio to mux needs a scratch folder"
        audio_path = scratch / "set-audio.flac"
        _check_audio_program(_audio_config(cfg, song_audio), cfg).write(audio_path)
    elif audio_path is not None:
        _check_audio_program(_audio_config(cfg, song_audio or [audio_path]), cfg)
    if options.mode == "render":
        from live.audio.features import FeatureTrack

        # With the [audio] settings the live extractor uses, so render sees what live sees.
        track = FeatureTrack.from_file(audio_path, cfg.audio)
    book = None if options.mode == "render" else \
        _scene_book(cfg, len(specs), strict=strict_scenes)
    return Preflight(specs, audio_path, instrument, load_song, song_audio, first, replay, track,
                     video_file(cfg), ndi_settings, eye_sources(cfg), book)


def ndi_config_dir(cfg: Config) -> Path | None:
    """The folder of NDI settings the show's NDI sources use (``[output.ndi] config_dir``),
    checked to hold a settings file NDI reads."""
    ndi = cfg.output.ndi
    if not (ndi.sends and ndi.config_dir):
        return None
    return check_ndi_config_dir(cfg.resolve(ndi.config_dir),
                                f"{cfg.path}: [output.ndi] config_dir")


def eye_sources(cfg: Config) -> list[EyeSource | None]:
    """Each song's eye overlay source (``[]`` without ``[overlays] eyes``; None for a song
    playing no projection), its stored eyes checked to belong to its projection and to its
    source frames (``gance-live overlays`` makes them): the original video (the song's
    ``source_video``, or ``[overlays] source_video``) or the projection's target images."""
    if not cfg.overlays.eyes:
        return []
    return [song_eye_source(cfg, song) for song in range(len(the_songs(cfg)))]


def song_eye_source(cfg: Config, song: int) -> EyeSource | None:
    """Song ``song``'s eye overlay source (see :func:`eye_sources`); a line naming the song
    (in a set) says what to run or fix."""
    from live.latents.projection import read_frame_count
    from live.overlay.sources import EyeSource, SourceEyes, SourceEyesError

    latents = the_songs(cfg)[song].latents
    if latents.source != "projection":
        return None
    projection = cfg.resolve(latents.projection.file)
    frames = read_frame_count(projection)
    video = song_source_video(cfg, song, projection, frames)
    try:
        SourceEyes.load(projection, frames, video)
    except SourceEyesError as exc:
        if not cfg.songs:
            raise
        raise SourceEyesError(f"{song_where(cfg, song)}: {exc}") from None
    return EyeSource(projection, video)


def song_source_video(cfg: Config, song: int, projection: Path, frames: int) -> Path | None:
    """The original video song ``song``'s ``projection`` (of ``frames`` frames) was made
    from, if named (the song's ``source_video`` laid over ``[overlays]``), checked by its fps
    and length and to decode through the projection's last frame."""
    from live.latents.projection import read_attributes, source_fit
    from live.video.sources import SourceVideo

    own = cfg.songs[song].source_video if cfg.songs else ""
    if not (own or cfg.overlays.source_video):
        return None
    where = f"{song_where(cfg, song)}: " + \
        ("[songs] source_video" if own else "[overlays] source_video")
    path = check_input_file(cfg.resolve(own or cfg.overlays.source_video), "video file",
                            where=where, fix="name the video the projection was made from, "
                                             "relative to the show file")
    attributes = read_attributes(projection)
    try:
        video = SourceVideo(path, attributes["projection_fps"], source_fit(attributes))
    except ConfigError as exc:   # VideoError names the file; say which key named it
        raise ConfigError(f"{where}: {exc}") from None
    try:
        problem = video.problem(frames, attributes.get("original_fps"),
                                attributes.get("original_frame_count"))
    finally:
        video.close()
    if problem is not None:
        raise ConfigError(f"{where}: {path}: {problem}; name the video {projection.name} was "
                          f"projected from")
    return path


def video_file(cfg: Config) -> Path | None:
    """The video layer's file (``[video] source = "file"``), checked to open and decode."""
    if cfg.video.source != "file":
        return None
    from live.video.sources import VideoFile

    path = cfg.input_file(cfg.video.file, "[video] file", "video file",
                          fix="name a video (mp4, mkv, ...) relative to the show file")
    try:
        VideoFile(path).close()
    except ConfigError as exc:   # VideoError names the file; say which key named it
        raise ConfigError(f"{cfg.path}: [video] file: {exc}") from None
    return path


def show_inputs(cfg: Config, specs: list[str], audio_path: Path | None,
                replay: Path | None = None) -> list[tuple[str, Path]]:
    """Every file the show reads, each with the key (or flag) that names it."""
    inputs = [("the show file", cfg.path)] if cfg.path else []
    inputs += [("[networks] files", Path(spec)) for spec in specs if not spec.startswith("demo:")]
    if audio_path is not None:
        inputs.append(("the audio file", audio_path))
        if cfg.audio.source == "file":
            inputs += [("[audio] playlist", cfg.resolve(name)) for name in cfg.audio.playlist]
    for song in range(len(the_songs(cfg))):
        inputs += song_files(cfg, song)
    if cfg.video.source == "file" and cfg.video.file:
        inputs.append(("[video] file", cfg.resolve(cfg.video.file)))
    if cfg.overlays.eyes and cfg.overlays.source_video:
        inputs.append(("[overlays] source_video", cfg.resolve(cfg.overlays.source_video)))
    inputs += [("[control.midi] maps", cfg.resolve(name)) for name in cfg.control.midi.maps]
    if cfg.telemetry.replay:
        inputs.append(("[telemetry] replay", cfg.resolve(cfg.telemetry.replay)))
    if replay is not None:
        inputs.append(("--replay", replay))
    return inputs


def song_files(cfg: Config, song: int) -> list[tuple[str, Path]]:
    """The files a song of the set reads (its audio, projection, keyframes, the eye
    overlays' video), each with the key that names it."""
    config, where = the_songs(cfg)[song], song_where(cfg, song)
    latents, prefix = config.latents, f"{where}: " if cfg.songs else ""
    files = [(f"{prefix}[songs] audio", cfg.resolve(config.audio))] if cfg.songs and config.audio \
        else []
    if latents.source == "projection" and latents.projection.file:
        files.append((f"{prefix}[latents.projection] file", cfg.resolve(latents.projection.file)))
    files += [(f"{prefix}[latents.keyframes] points", cfg.resolve(point))
              for point in latents.keyframes.points if not point.startswith("seed:")]
    if cfg.overlays.eyes and config.source_video:
        files.append((f"{prefix}[songs] source_video", cfg.resolve(config.source_video)))
    return files


def _outputs(options: ShowOptions) -> list[tuple[str, Path]]:
    named = (("the recording", options.out), ("the frame log", options.frame_log),
             ("the event log", options.event_log), ("the telemetry log", options.telemetry_log))
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


def _audio_config(cfg: Config, files: list[Path]) -> AudioConfig:
    """The [audio] section the audio process plays: the file chosen, resolved, or the songs'
    files one after another."""
    if not files:
        return cfg.audio
    if len(files) == 1:
        return replace(cfg.audio, source="file", file=str(files[0]))
    return replace(cfg.audio, source="file", file=str(files[0]),
                   playlist=[str(path) for path in files[1:]])


def _config_dir(cfg: Config) -> str:
    return str(cfg.path.parent) if cfg.path else "."


def _check_audio_program(audio_cfg: AudioConfig, cfg: Config) -> AudioProgram:
    """Decode what the audio process will play (file, playlist, loop region), as it does:
    a file that does not decode, or holds samples that are not finite, refuses the show."""
    from live.audio.backends import quiet_stderr
    from live.audio.process import load_program

    with quiet_stderr():  # libsndfile's decoders print notes about garbage on the way to failing
        return load_program(audio_cfg, _config_dir(cfg))


def run_show(cfg: Config, options: ShowOptions) -> ShowSummary:
    """Start every process, conduct the show, and clean up on every exit path."""
    with tempfile.TemporaryDirectory(prefix="gance-live-") as scratch:
        return _run_show(cfg, options, Path(scratch))


@dataclass
class _Prepared:
    """A show checked and ready to conduct: its set, starting state and length."""

    checked: Preflight
    fps: int
    frames: int | None
    state: ShowState
    songs: Any                 # live.latents.setlist.SetPlayer
    loader: Any                # live.latents.loading.SongLoader: reads the songs' files

    def close(self) -> None:
        self.songs.close()
        self.loader.close()


def _prepare(cfg: Config, options: ShowOptions, scratch: Path) -> _Prepared:
    from live.latents.loading import SongLoader
    from live.latents.setlist import SetPlayer

    render = options.mode == "render"
    checked = preflight(cfg, options, scratch=scratch)
    specs, track = checked.specs, checked.track
    if cfg.engine.synthesis == "synthetic" and not cfg.engine.synthetic_ms:
        raise ConfigError(f"{cfg.path}: [engine] synthetic_ms: empty; give each synthetic "
                          f"worker's milliseconds per frame, e.g. [16.0]")
    fps = cfg.show.fps
    frames = None if options.seconds is None else max(1, round(options.seconds * fps))
    if render and frames is None:
        frames = max(1, math.floor(track.duration * fps))
    state = ShowState(**{p.name: _start_value(cfg, p) for p in PARAMETERS if p.config},
                      crossfade_to=min(1, len(specs) - 1))
    # The set follows its audio (rehearsal, render) unless a replayed log says where it went.
    follows_audio = checked.song_audio and not any(e.name in SONG_MOVES for e in checked.replay)
    # The songs after the first load while the show plays, their files read in a child
    # process: a long projection read here would hold the conductor back.
    loader = SongLoader()
    try:
        songs = SetPlayer(the_songs(cfg), functools.partial(checked.load_song, loader=loader),
                          checked.instrument, fps,
                          bounds=song_bounds(checked.song_audio) if follows_audio else None,
                          wait=render)
    except BaseException:
        loader.close()
        raise
    if cfg.songs:
        for name, value in songs.starting_values(0).items():
            state.apply(ControlEvent(0.0, "set", name, value), len(specs))
    return _Prepared(checked, fps, frames, state, songs, loader)


def plan_render(cfg: Config, options: ShowOptions, scratch: Path) -> tuple[ShowPlan, Preflight]:
    """A render's plan (every frame bound, none drawn) and what its preflight checked;
    ``render --cluster`` shards it. ``scratch`` holds a set's joined audio."""
    from live.engine.plan import PlanSink

    assert options.mode == "render"
    prepared = _prepare(cfg, options, scratch)
    checked = prepared.checked
    try:
        conductor = Conductor(
            fps=prepared.fps, state=prepared.state, network_count=len(checked.specs),
            instrument=prepared.songs, features_at=_render_features(checked.track, prepared.fps),
            ring=None, workers=PlanSink(), inbox=None, controls=None, replay=checked.replay,
            realtime=False, frames=prepared.frames, dispatch_margin_s=_dispatch_margin_s(cfg),
            flash_onsets=cfg.engine.test_pattern == "onset")
        return conductor.plan(), checked
    finally:
        prepared.close()


def drawn_size(cfg: Config, checked: Preflight) -> int:
    """The side of the frames the workers draw (the first network's, or synthetic)."""
    if cfg.engine.synthesis == "synthetic":
        return cfg.engine.synthetic_size
    return checked.first.img_resolution


class ShardStage:
    """A node's processes for drawing a render's planned shards (:func:`plan_render`): the
    workers start once (each network loaded once), a compositor per shard records it alone
    into its own file, video only (a cluster's render muxes the audio once, into the joined
    shards). ``specs`` are the networks as files on this machine, drawing ``size``-pixel
    frames; ``video_path`` is the ``[video]`` file, if any. A context manager."""

    def __init__(self, cfg: Config, specs: list[str], size: int,
                 video_path: Path | None = None) -> None:
        self.cfg, self.video_path = cfg, video_path
        _remove_stale_segments()
        self._stack = ExitStack()
        try:
            self.supervisor = Supervisor(cfg.engine.restart_workers)
            self._stack.callback(self.supervisor.shutdown)
            self.ring = FrameRing.create(cfg.engine.slots, size, size)
            self._stack.callback(self.ring.close)
            self.specs = specs
            workers = _start_workers(cfg, self.supervisor, specs, self.ring)
            for warning in self.supervisor.wait_ready(workers):
                log.warning("%s: %s", warning.source, warning.detail)
        except BaseException:
            self._stack.close()
            raise

    def __enter__(self) -> ShardStage:
        return self

    def __exit__(self, *exc_info) -> None:
        self._stack.close()

    def render(self, plan: ShowPlan, out: Path,
               on_shown: Callable[[int], None] = lambda shown: None) -> ShowSummary:
        """Draw frames ``[plan.first, plan.end)`` into ``out``; ``on_shown`` is told the
        shard's frames shown so far."""
        supervisor = self.supervisor
        supervisor.start_compositor(_compositor_spec(
            self.cfg, ShowOptions(mode="render", headless=True, out=out), self.ring,
            audio_path=None, video_path=self.video_path))
        for warning in supervisor.wait_ready({"compositor"}):
            log.warning("%s: %s", warning.source, warning.detail)
        conductor = Conductor(
            fps=self.cfg.show.fps, state=ShowState(), network_count=len(self.specs),
            instrument=None, features_at=None, ring=self.ring, workers=supervisor,
            inbox=supervisor.inbox, controls=None, realtime=False, frames=plan.end,
            audio_offset=lambda t0: 0.0, on_shown=on_shown,
            dispatch_margin_s=_dispatch_margin_s(self.cfg), planned=plan)
        with _stop_on_signals(conductor, supervisor):
            summary = conductor.run(lead_s=START_LEAD_S)
        supervisor.others["compositor"].join(COMPOSITOR_EXIT_S)   # once its recording is done
        supervisor.finish_recording()
        return summary


def _run_show(cfg: Config, options: ShowOptions, scratch: Path) -> ShowSummary:
    prepared = _prepare(cfg, options, scratch)
    try:
        summary = _perform(cfg, options, prepared)
    finally:
        prepared.close()
    if options.per_song and options.out is not None and not summary.failed:
        songs = cut_per_song(options.out, summary.song_starts, summary.frames_shown,
                             prepared.fps)
        summary.output += "".join(f", {path}" for path in songs)
    return summary


def _perform(cfg: Config, options: ShowOptions, prepared: _Prepared) -> ShowSummary:
    """Start the processes and conduct the ``prepared`` show."""
    render = options.mode == "render"
    _remove_stale_segments()
    checked = prepared.checked
    specs, audio_path, frames = checked.specs, checked.audio_path, prepared.frames
    fps = cfg.show.fps
    if options.out is not None:
        options.out.parent.mkdir(parents=True, exist_ok=True)

    with ExitStack() as stack:
        controls = None
        if not render:  # opened first: a bad map or a busy OSC port refuses the show at once
            from live.control.hub import ControlHub

            controls = stack.enter_context(ControlHub(
                cfg.control, clock=lambda: conductor.show_time(), network_count=len(specs),
                resolve=cfg.resolve, show_file=cfg.path))
        cooler = None if render else _start_cooler(cfg, stack)   # ahead of the workers' heat
        supervisor = Supervisor(cfg.engine.restart_workers)
        stack.callback(supervisor.finish_recording)   # after the shutdown (last in, first out)
        stack.callback(supervisor.shutdown)
        size = drawn_size(cfg, checked)
        ring = FrameRing.create(cfg.engine.slots, size, size)
        stack.callback(ring.close)

        if render:
            features_at = _render_features(checked.track, fps)
            audio_offset = lambda t0: 0.0  # the render starts at the file's beginning
            audio_jump = lambda: None
            seek_audio = None              # the render's set follows the file as it is
        else:
            features_at, audio_offset, audio_jump, seek_audio = _start_audio(
                cfg, supervisor, stack, checked.song_audio or [audio_path])
        video_ring = None if render else _start_video(cfg, checked.video_path, supervisor,
                                                      stack)
        workers = _start_workers(cfg, supervisor, specs, ring)
        compositor_spec = _compositor_spec(
            cfg, options, ring, audio_path=audio_path, video_path=checked.video_path,
            eyes=checked.eyes, ndi_config_dir=checked.ndi_config_dir,
            video_ring=video_ring.name if video_ring else None)
        supervisor.start_compositor(compositor_spec)
        sources = workers | {"compositor"}
        sources |= {"audio", "video"} & set(supervisor.others)
        for warning in supervisor.wait_ready(sources):
            log.warning("%s: %s", warning.source, warning.detail)

        event_stream = None
        if options.event_log is not None:
            event_stream = stack.enter_context(growing_output(options.event_log))
        devices = [supervisor.workers[w].spec.device for w in sorted(supervisor.workers)]
        showbox = None if render else _watch_gpus(cfg, options, devices, stack, cooler)
        conductor = Conductor(
            fps=fps, state=prepared.state, network_count=len(specs), instrument=prepared.songs,
            features_at=features_at, ring=ring, workers=supervisor, inbox=supervisor.inbox,
            controls=controls, replay=checked.replay, realtime=not render, frames=frames,
            on_event=(lambda e: write_event_log([e], event_stream)) if event_stream else None,
            audio_offset=audio_offset, audio_jump=audio_jump,
            on_shown=_progress_bar(stack, frames) if render else None,
            hud_always=cfg.output.preview and not compositor_spec.headless, showbox=showbox,
            scenes=checked.scenes,
            seek_audio=seek_audio if checked.song_audio else None,
            dispatch_margin_s=_dispatch_margin_s(cfg),
            flash_onsets=cfg.engine.test_pattern == "onset")
        with _stop_on_signals(conductor, supervisor):
            summary = conductor.run(lead_s=START_LEAD_S)
    if supervisor.recording:   # every part, whichever compositor (or the supervisor) finished it
        summary.output = ", ".join(map(str, supervisor.recording))
    return summary


def _start_workers(cfg: Config, supervisor: Supervisor, specs: list[str],
                   ring: FrameRing) -> set[str]:
    """Start the show's worker processes (every network on each); returns their names for
    :meth:`Supervisor.wait_ready`."""
    synthetic = cfg.engine.synthesis == "synthetic"
    devices = ["cpu"] * (cfg.engine.workers or CPU_WORKERS_DEFAULT) if synthetic \
        else worker_devices(cfg)
    for worker_id, device in enumerate(devices):
        supervisor.start_worker(WorkerSpec(
            worker_id, device, tuple(specs), ring.name,
            threads=cfg.engine.threads_per_worker, fp16=cfg.networks.fp16,
            noise_mode=cfg.networks.noise_mode,
            synthetic=_synthetic_timing(cfg, worker_id) if synthetic else None))
    return {f"worker:{i}" for i in range(len(devices))}


def _compositor_spec(cfg: Config, options: ShowOptions, ring: FrameRing, *,
                     audio_path: Path | None, video_path: Path | None,
                     eyes: list[EyeSource | None] | None = None,
                     ndi_config_dir: Path | None = None, video_ring: str | None = None):
    """The compositor's spec for a show run with ``options`` (live or render)."""
    from live.compositor.process import CompositorSpec

    render = options.mode == "render"
    return CompositorSpec(
        output=cfg.output, ring_name=ring.name, fps=cfg.show.fps,
        headless=options.headless or render, mode=options.mode,
        record_path=str(options.out) if options.out else None,
        audio_path=str(audio_path) if audio_path and options.out else None,
        audio_loops=cfg.audio.loop,
        frame_log=str(options.frame_log) if options.frame_log else None,
        max_latency_frames=cfg.engine.max_latency_frames,
        keyboard=cfg.control.keyboard and not render,
        video_ring=video_ring,
        video_file=str(video_path) if render and video_path else None,
        eyes=eyes,
        overlays=cfg.overlays,
        ndi_config_dir=str(ndi_config_dir) if ndi_config_dir else None)


def _recorded_telemetry(cfg: Config) -> RecordedTelemetry | None:
    """``[telemetry] replay``'s log, read and checked; None to ask NVML."""
    from live.telemetry.sampler import RecordedTelemetry

    if not cfg.telemetry.replay:
        return None
    return RecordedTelemetry(cfg.input_file(cfg.telemetry.replay, "[telemetry] replay",
                                            "telemetry log",
                                            fix="write one with gance-live run --telemetry-log"))


def _start_cooler(cfg: Config, stack: ExitStack) -> CoolerLink | None:
    """The cooler's link, told the show is starting (a cooler that is not there is shown
    as such in the HUD; it never stops the show)."""
    from live.hardware import protocol
    from live.hardware.link import CoolerLink

    settings = cfg.hardware.cooler
    if not settings.enabled:
        return None
    return stack.enter_context(CoolerLink(settings.port, baud=settings.baud,
                                          ceiling_c=settings.quiet_ceiling_c,
                                          hint=protocol.SHOW_STARTING))


def _watch_gpus(cfg: Config, options: ShowOptions, devices: list[str], stack: ExitStack,
                cooler: CoolerLink | None) -> ShowBox:
    """GPU telemetry (NVML, or ``[telemetry] replay``) sampled in its own thread, logged to
    ``--telemetry-log``, the thermal guard over the workers on those GPUs, and the cooler."""
    from live.telemetry.guard import ThermalGuard
    from live.telemetry.sampler import TelemetrySampler

    log_stream = None
    if options.telemetry_log is not None:
        log_stream = stack.enter_context(growing_output(options.telemetry_log))
    sampler = stack.enter_context(TelemetrySampler(_recorded_telemetry(cfg),
                                                   log_stream=log_stream))
    guard = ThermalGuard(cfg.telemetry.guard_settings()) if cfg.telemetry.guard else None
    return ShowBox(sampler, guard, worker_gpus(devices), cooler,
                   starting_s=cfg.hardware.cooler.starting_s)


def _scene_book(cfg: Config, network_count: int, strict: bool) -> scenes.SceneBook:
    """The show's scenes, beside its file. A broken scene file refuses a ``strict`` check;
    a show is told in one warning line and goes on without its scenes (saves refuse to
    write over the file until it is fixed): at the venue a scene file is no reason to stay
    dark."""
    book = scenes.SceneBook(beside_show(cfg.path, scenes.SUFFIX), network_count)
    try:
        book.load()
    except ConfigError as exc:
        if strict:
            raise
        log.warning("%s (the show goes on without these scenes)", exc)
    return book


def cut_per_song(recording: Path, starts: list[tuple[int, int]], frames: int,
                 fps: int) -> list[Path]:
    """One mp4 per song of a rendered set, cut from ``recording`` at the frames where each song
    started (``starts``: (first frame, song), in order), with its audio: ``OUT-01.mp4`` for
    the first song, and so on. Re-encoded, so every cut falls on its frame."""
    import subprocess

    written = []
    ends = [index for index, _ in starts[1:]] + [frames]
    for (first, song), end in zip(starts, ends):
        target = recording.with_name(f"{recording.stem}-{song + 1:02d}{recording.suffix}")
        with atomic_output(target) as temporary:
            subprocess.run(
                ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
                 "-ss", f"{first / fps:.6f}", "-i", str(recording),
                 "-frames:v", str(end - first), "-t", f"{(end - first) / fps:.6f}",
                 "-c:v", "libx264", "-crf", "18", "-pix_fmt", "yuv420p", "-c:a", "aac",
                 "-f", "mp4", str(temporary)], check=True, capture_output=True, timeout=3600)
        written.append(target)
    return written


def _dispatch_margin_s(cfg: Config) -> float:
    """How long before its due time a frame's pixels must be in its slot: ``[engine]
    dispatch_margin_ms``, and the eye detection's time while the eye overlays are on."""
    detection = cfg.overlays.detection_ms if cfg.overlays.eyes else 0.0
    return (cfg.engine.dispatch_margin_ms + detection) / 1000.0


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


def _start_video(cfg: Config, video_path: Path | None, supervisor: Supervisor,
                 stack: ExitStack) -> VideoRing | None:
    """The video layer's process and the ring it fills at the output's size (none without
    ``[video]``). A render reads a video file in the compositor instead, frame by frame."""
    if cfg.video.source == "none":
        return None
    from live.video.process import VideoSpec, video_main

    ring = VideoRing.create(cfg.output.height, cfg.output.width)
    stack.callback(ring.close)
    spec = VideoSpec(cfg.video.source, cfg.video.device, str(video_path or ""),
                     cfg.video.retry_seconds)
    supervisor.start_child("video", video_main, spec, ring.name, supervisor.inbox,
                           supervisor.stop_event)
    return ring


def _start_audio(cfg: Config, supervisor: Supervisor, stack: ExitStack,
                 audio_files: list[Path | None]):
    """Start the audio process and the feature ring it publishes into.

    Returns ``(features_at, audio_offset, audio_jump, seek)``: the features for frame
    ``index`` due at ``t_due``, the position in the audio file heard at a monotonic time (for
    muxing the recording; None for live input), the newest jump of the played file ``(heard
    at, position)`` or None, and a jump of the played file to a position.
    """
    from live.audio.process import audio_main
    from live.contracts.feature_ring import FeatureRing

    feature_ring = FeatureRing.create()
    stack.callback(feature_ring.close)
    files = [path for path in audio_files if path is not None]
    seeks = supervisor.ctx.Queue()
    seeks.cancel_join_thread()   # a jump left unread at the end is for nobody
    supervisor.start_child("audio", audio_main, _audio_config(cfg, files), _config_dir(cfg),
                           feature_ring.name, supervisor.inbox, supervisor.stop_event, seeks)

    heard_until = [-math.inf]   # the time of the last hop a frame was given

    def features_at(index: int, t_due: float) -> FeatureFrame | None:
        # Rehearsal hops are stamped with the time they will be heard, so this is the music
        # the audience hears as the frame goes up (or the newest hop analysed so far).
        newest = feature_ring.latest()
        frame = newest if newest is None or newest.time <= t_due \
            else feature_ring.at_time(t_due)   # the usual case: t_due is further ahead
        if frame is None:
            return None
        since = [hop for hop in feature_ring.recent(EVENT_HOPS)
                 if heard_until[0] < hop.time < frame.time]
        heard_until[0] = max(heard_until[0], frame.time)
        return with_events_of(frame, since)

    def audio_offset(t0: float) -> float | None:
        origin = feature_ring.playback_origin
        return None if origin is None else t0 - origin

    return features_at, audio_offset, lambda: feature_ring.last_jump, seeks.put


def _render_features(track: FeatureTrack, fps: int) -> Callable[[int, float], FeatureFrame]:
    """Render's ``features_at``: the file's analysis at each frame's time, with the events
    of the hops since the previous frame."""
    previous = [math.inf]   # seconds of the previous frame (none yet)

    def features_at(index: int, t_due: float) -> FeatureFrame:
        seconds = index / fps
        since = np.arange(previous[0] + track.hop_seconds, seconds - 1e-9, track.hop_seconds) \
            if track.hop_seconds > 0 and previous[0] < seconds else ()
        previous[0] = seconds
        return with_events_of(track.at(seconds), (track.at(t) for t in since))
    return features_at


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



def _start_value(cfg: Config, declared: Parameter) -> Any:
    """A parameter's starting value: its ``section.key`` of the show config (a choice's name
    becomes its index)."""
    value: Any = cfg
    for part in declared.config.split("."):
        value = getattr(value, part)
    return declared.choices.index(value) if declared.kind == "choice" else value
