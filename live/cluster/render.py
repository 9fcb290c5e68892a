"""``gance-live render --cluster ADDRESS``: one render's frames drawn over a Ray cluster.

The driver (this process) binds every frame once (:func:`live.engine.show.plan_render`: the
same plan a local render draws), cuts it into shards on the render stream's keyframes, and
skips the shards already in ``OUT.shards/`` under their content key. Ray actors, one per GPU
of the cluster (or per CPU without GPUs), fetch the networks once by content from the object
store, and draw shard after shard through the show's own worker and compositor
(:class:`live.cluster.nodes.ShardRenderer`). Each segment is kept as it arrives; once all
are there they are joined without re-encoding (ffmpeg's concat demuxer) and the audio is
muxed once. The frames equal a local ``render``'s: the render stream restarts (closed GOP,
constant quantizer) at every keyframe, locally too.

An actor that dies mid-shard (its process, or its whole node) has its shard drawn by another,
and a new actor takes its place wherever the cluster has room; Ctrl-C stops the render and
keeps the finished shards.
"""

from __future__ import annotations

import logging
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from live.cluster.nodes import Progress, ShardRenderer, ShippedFile, file_sha256
from live.cluster.shards import ShardCache, code_version, shard_key, shard_ranges, show_key
from live.compositor.recorder import RENDER_KEYFRAME_SECONDS, finalise_stream, stream_path
from live.config import Config
from live.contracts.errors import ConfigError, LiveError, UserError
from live.engine.conductor import ShowSummary
from live.engine.plan import ShowPlan
from live.engine.show import ShowOptions, drawn_size, plan_render

log = logging.getLogger(__name__)

SHARD_ATTEMPTS = 3      # a shard whose actor died goes to another actor, up to this often
POLL_S = 0.5            # how often the progress bar asks the cluster


class ClusterError(LiveError, RuntimeError):
    """The cluster could not be reached or could not draw the render."""


def import_ray():
    try:
        import ray
    except ImportError:
        raise UserError("--cluster needs Ray: pip install gance-live[cluster]") from None
    return ray


def refuse_unshardable(cfg: Config, plan: ShowPlan) -> None:
    """Shards are drawn apart, so a frame may not depend on the frames before it: trails
    carry each frame into the next, and GANce's offline eye tracks span runs of frames."""
    if cfg.overlays.eyes:
        raise ConfigError(f"{cfg.path}: [overlays] eyes: the eye tracks span runs of frames, "
                          f"so the render cannot be cut into shards; render without --cluster")
    if any(display.look.feedback > 0 for display in plan.displays):
        raise ConfigError(f"{cfg.path}: feedback is above 0 in this render (trails carry "
                          f"each frame into the next), so it cannot be cut into shards; "
                          f"render without --cluster, or with feedback at 0")


def render_on_cluster(cfg: Config, options: ShowOptions, address: str,
                      shard_seconds: float) -> ShowSummary:
    """Render the show over the Ray cluster at ``address`` (``auto``: a running one, else a
    local instance) into ``options.out``, in shards of about ``shard_seconds``."""
    ray = import_ray()
    with tempfile.TemporaryDirectory(prefix="gance-live-") as scratch:
        plan, checked = plan_render(cfg, options, Path(scratch))
        refuse_unshardable(cfg, plan)
        fps = cfg.show.fps
        keyframe_every = fps * RENDER_KEYFRAME_SECONDS
        ranges = shard_ranges(len(plan.frames), keyframe_every,
                              max(1, round(shard_seconds / RENDER_KEYFRAME_SECONDS)))
        networks = [_by_content(spec) for spec in checked.specs]
        video = _by_content(str(checked.video_path)) if checked.video_path else None
        size = drawn_size(cfg, checked)
        settings = (cfg.output, cfg.engine.synthesis, cfg.engine.synthetic_size,
                    cfg.networks.fp16, cfg.networks.noise_mode, fps, size,
                    video.sha256 if video else None)
        show = show_key(code_version(), [n.sha256 or n.name for n in networks], settings)
        options.out.parent.mkdir(parents=True, exist_ok=True)
        cache = ShardCache(options.out.with_name(options.out.name + ".shards"))
        shards = [plan.shard(first, end) for first, end in ranges]
        keys = [shard_key(show, shard) for shard in shards]
        todo = [(shard, key) for shard, key in zip(shards, keys) if not cache.has(key)]
        summary = ShowSummary()
        kept = len(shards) - len(todo)
        log.warning("render --cluster: %d shards of %d frames: %d kept in %s, %d to draw",
                    len(shards), ranges[0][1] - ranges[0][0], kept, cache.folder, len(todo))
        try:
            if todo:
                _draw(ray, address, cfg, networks, video, size, todo, cache, len(plan.frames),
                      len(plan.frames) - sum(len(shard.frames) for shard, _ in todo))
        except KeyboardInterrupt:
            done = sum(cache.has(key) for key in keys)
            summary.failed = True
            summary.stop_reason = (f"interrupted: {done} of {len(shards)} shards kept in "
                                   f"{cache.folder}; run the same command again to finish")
            return summary
        join_segments([cache.path(key) for key in keys], options.out, fps, len(plan.frames),
                      checked.audio_path)
    summary.frames_dispatched = summary.frames_shown = len(plan.frames)
    summary.stop_reason = (f"end of show ({len(shards)} shards: {kept} kept, "
                           f"{len(todo)} drawn on the cluster)")
    summary.output = str(options.out)
    return summary


def _by_content(spec: str) -> ShippedFile:
    """A network (or video) file as its hash; its bytes go to the object store later."""
    if spec.startswith("demo:"):
        return ShippedFile(spec, "", "", None)
    path = Path(spec)
    return ShippedFile(str(path), file_sha256(path), path.suffix, path)


def _draw(ray, address: str, cfg: Config, networks: list[ShippedFile],
          video: ShippedFile | None, size: int, todo: list[tuple[ShowPlan, str]],
          cache: ShardCache, frames: int, frames_kept: int) -> None:
    """Draw the shards of ``todo`` on the cluster, each kept in ``cache`` as it arrives.
    A shard whose actor died (its process, or its node) goes to another actor, and a new
    actor takes the dead one's place wherever the cluster has room."""
    from tqdm import tqdm

    _connect(ray, address)
    try:
        # Each file's bytes go into the object store once; nodes fetch them by hash.
        networks = [n._replace(ref=ray.put(n.ref.read_bytes()) if n.ref else None)
                    for n in networks]
        if video is not None:
            video = video._replace(ref=ray.put(video.ref.read_bytes()))
        new_actor, count = _actor_kind(ray)
        progress = ray.remote(Progress).options(num_cpus=0).remote()
        starting: dict[Any, Any] = {}    # ready() ref -> actor still loading its networks
        for _ in range(min(count, len(todo))):
            actor = new_actor.remote(cfg, networks, video, size)
            starting[actor.ready.remote()] = actor
        queue = [(shard, key, 0) for shard, key in todo]   # (shard, key, attempts)
        drawing: dict[Any, tuple[Any, ShowPlan, str, int]] = {}   # render() ref -> ...
        idle: list = []
        with tqdm(total=frames, initial=frames_kept, unit="frame", desc="render --cluster",
                  dynamic_ncols=True) as bar:
            while queue or drawing:
                while idle and queue:
                    shard, key, attempts = queue.pop(0)
                    actor = idle.pop(0)
                    drawing[actor.render.remote(shard, progress)] = (actor, shard, key, attempts)
                finished, _ = ray.wait([*starting, *drawing], num_returns=1, timeout=POLL_S)
                for ref in finished:
                    if ref in starting:
                        actor = starting.pop(ref)
                        try:
                            ray.get(ref)
                            idle.append(actor)
                        except ray.exceptions.RayActorError as exc:
                            if not (idle or drawing or starting):
                                raise ClusterError(f"no actor could start: "
                                                   f"{_first_line(exc)}") from None
                            log.warning("an actor could not start: %s", _first_line(exc))
                        continue
                    actor, shard, key, attempts = drawing.pop(ref)
                    try:
                        cache.store(key, ray.get(ref))
                        idle.append(actor)
                    except ray.exceptions.RayActorError as exc:
                        if attempts + 1 >= SHARD_ATTEMPTS:
                            raise ClusterError(f"frames {shard.first}-{shard.end - 1}: "
                                               f"{_first_line(exc)}") from None
                        log.warning("an actor died (%s): frames %d-%d go to another",
                                    _first_line(exc), shard.first, shard.end - 1)
                        queue.append((shard, key, attempts + 1))
                        replacement = new_actor.remote(cfg, networks, video, size)
                        starting[replacement.ready.remote()] = replacement
                    except ray.exceptions.RayTaskError as exc:
                        raise ClusterError(_first_line(exc.cause or exc)) from None
                bar.update(frames_kept + ray.get(progress.total.remote()) - bar.n)
    finally:
        ray.shutdown()


def _connect(ray, address: str) -> None:
    try:
        if address == "auto":   # a running cluster, else a Ray instance on this machine
            ray.init(address=None, log_to_driver=False, include_dashboard=False)
        else:
            ray.init(address=address, log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise ClusterError(f"--cluster {address}: cannot join the Ray cluster "
                           f"({_first_line(exc)})") from None


def _actor_kind(ray):
    """The shard renderer as a Ray actor class holding one GPU (or one CPU on a cluster
    without GPUs), and how many the cluster holds."""
    resources = ray.cluster_resources()
    gpus = int(resources.get("GPU", 0))
    count, need = (gpus, {"num_gpus": 1}) if gpus else \
        (max(1, int(resources.get("CPU", 1))), {"num_cpus": 1})
    return ray.remote(ShardRenderer).options(**need), count


def join_segments(segments: list[Path], out: Path, fps: int, frames: int,
                  audio_path: Path | None) -> Path:
    """``out`` from the shards' segments in order, joined without re-encoding (ffmpeg's
    concat demuxer), with the audio muxed once."""
    stream = stream_path(out)
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as listing:
        for segment in segments:   # the concat demuxer's quoting: ' closes, \' is a quote
            quoted = str(segment.resolve()).replace("'", "'\\''")
            listing.write(f"file '{quoted}'\n")
        listing.flush()
        result = subprocess.run(
            ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "concat", "-safe", "0",
             "-i", listing.name, "-c", "copy", "-f", "mpegts", str(stream)],
            capture_output=True, text=True, start_new_session=True)
    if result.returncode != 0:
        stream.unlink(missing_ok=True)
        raise ClusterError(f"{out}: joining the shards failed: "
                           f"{' | '.join(result.stderr.strip().splitlines()[-3:])}")
    return finalise_stream(stream, out, fps, audio_path, 0.0, frames)


def _first_line(exc: BaseException) -> str:
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return lines[-1].strip() if lines else type(exc).__name__
