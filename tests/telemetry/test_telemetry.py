"""Telemetry without a GPU (real NVML, which finds no library here), recorded telemetry
played back through the sampler thread and written out again, and the show box's HUD and
OSC figures."""

import io
import json
import logging
import time

import pytest

from live.contracts.errors import ConfigError
from live.engine.scheduler import Scheduler
from live.contracts.state import ShowState
from live.engine.showbox import ShowBox, cooler_hint, worker_gpus
from live.hardware import protocol
from live.overlay.hud import WARNING_MARK
from live.telemetry.gpus import GpuSample, Nvml, describe
from live.telemetry.guard import GuardSettings, ThermalGuard
from live.telemetry.sampler import RecordedTelemetry, TelemetrySampler
from tests.telemetry.traces import write_trace


def test_without_nvidias_library_it_says_so_once_and_shows_nothing(caplog):
    with caplog.at_level(logging.WARNING):
        with TelemetrySampler(interval=0.05) as sampler:
            time.sleep(0.2)
            assert not sampler.available and sampler.latest() == []
    said = [r.getMessage() for r in caplog.records if "telemetry" in r.getMessage()]
    assert said == ["GPU telemetry off: no NVIDIA library: NVML Shared Library Not Found"]
    box = ShowBox(sampler, ThermalGuard(), {0: 0})
    scheduler = Scheduler(slots=4, fps=30, t0=0.0)
    box.update(1.0, scheduler, ShowState(), 1.0)
    assert box.hud_lines(30) == [] and box.osc_messages() == {}
    assert scheduler.weights == {} and scheduler.rate == 1.0


def test_nvml_degrades_to_no_gpus_with_the_reason():
    nvml = Nvml()
    assert nvml.handles == [] and nvml.missing.startswith("no NVIDIA library")
    assert nvml.sample(0.0) == []
    nvml.close()


def test_a_recorded_log_plays_back_on_the_show_clock_and_is_written_out_again(tmp_path):
    trace = write_trace(tmp_path / "trace.jsonl", 1.0, lambda t: [60 + 10 * t, 50])
    clock = iter([100.0, 100.0, 100.5, 100.5, 101.0, 101.0] + [101.0] * 50)
    out = io.StringIO()
    sampler = TelemetrySampler(RecordedTelemetry(trace), interval=0.01, log_stream=out,
                               clock=lambda: next(clock))
    with sampler:
        deadline = time.monotonic() + 10
        while out.getvalue().count("\n") < 6 and time.monotonic() < deadline:
            time.sleep(0.01)
    written = [GpuSample.from_dict(json.loads(line))
               for line in out.getvalue().splitlines()[:6]]
    assert [(s.time, s.index, s.temperature_c) for s in written] == [
        (100.0, 0, 60.0), (100.0, 1, 50.0), (100.5, 0, 65.0), (100.5, 1, 50.0),
        (101.0, 0, 70.0), (101.0, 1, 50.0)]


def test_a_bad_telemetry_log_is_one_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"index": 0, "name": "x", "time": 0}\nnot json\n')
    with pytest.raises(ConfigError, match=r"bad.jsonl:2: not a telemetry log line"):
        RecordedTelemetry(bad)
    typed = tmp_path / "typed.jsonl"
    typed.write_text('{"index": 0, "name": "x", "time": 0, "temperature_c": "hot"}\n')
    with pytest.raises(ConfigError, match=r"typed.jsonl:1: not a telemetry log line "
                                          r"\('temperature_c' is 'hot'\)"):
        RecordedTelemetry(typed)
    (tmp_path / "empty.jsonl").write_text("")
    with pytest.raises(ConfigError, match="empty"):
        RecordedTelemetry(tmp_path / "empty.jsonl")


def test_a_gpu_line_names_every_figure_the_card_has():
    full = GpuSample(1, "Tesla K80", 0.0, temperature_c=83, slowdown_c=85, shutdown_c=93,
                     sm_clock_mhz=562, power_w=148.6, power_limit_w=149.0, utilisation_pct=100,
                     memory_used_mib=3012, memory_total_mib=11441, throttle_reasons=0x40 | 0x4)
    assert describe(full) == ("GPU1 83C/85C  562 MHz  149/149 W  util 100%  mem 3012/11441 MiB"
                              "  THROTTLED: power cap, hw thermal")
    assert describe(GpuSample(0, "?", 0.0, temperature_c=40, fan_pct=30)) == "GPU0 40C  fan 30%"


def test_the_show_box_steers_the_workers_on_hot_gpus_and_shows_it(tmp_path):
    trace = write_trace(tmp_path / "trace.jsonl", 2.0, lambda t: [84, 60])
    scheduler = Scheduler(slots=4, fps=30, t0=0.0)
    with TelemetrySampler(RecordedTelemetry(trace), interval=0.05) as sampler:
        box = ShowBox(sampler, ThermalGuard(GuardSettings(dwell_s=1.0)),
                      worker_gpus(["cuda:0", "cuda:1", "cuda:0"]))
        deadline = time.monotonic() + 10
        while not sampler.latest() and time.monotonic() < deadline:
            time.sleep(0.01)
        box.update(0.0, scheduler, ShowState(), 100.0)
    assert scheduler.weights == {0: pytest.approx(0.28), 1: 1.0, 2: pytest.approx(0.28)}
    lines = box.hud_lines(30)
    assert lines[0].startswith(WARNING_MARK + "GPU0 84C/85C") and lines[0].endswith("[warm]")
    assert lines[1].startswith("GPU1 60C/85C")
    messages = box.osc_messages()
    assert messages["/live/gpu/0/state"] == "warm" and messages["/live/gpu/1/temperature_c"] == 60
    assert messages["/live/gpu/0/share"] == pytest.approx(0.28) and messages["/live/gpu/rate"] == 1


def test_the_cooler_hears_show_starting_then_quiet_between_songs():
    assert cooler_hint(ShowState(), 5.0, starting_s=60.0) == protocol.SHOW_STARTING
    assert cooler_hint(ShowState(blackout=True), 5.0, starting_s=60.0) == protocol.SHOW_STARTING
    assert cooler_hint(ShowState(), 61.0, starting_s=60.0) == protocol.NORMAL
    assert cooler_hint(ShowState(blackout=True), 61.0, starting_s=60.0) == protocol.QUIET
