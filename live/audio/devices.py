"""Audio devices: listing them, finding one by name or index, checking a sample rate.

Every error lists what there is instead, so the performer can fix the show file on the spot:

    find_device("scarlett", "input") raises
    AudioInputError: [audio] input_device 'scarlett': no such input device; inputs here:
    1 'pulse' (32 ch, 44100 Hz), 2 'default' (32 ch, 44100 Hz)
"""

from __future__ import annotations

from typing import Any

from live.audio.backends import pyaudio_instance, sounddevice_module
from live.audio.errors import AudioInputError

# Rates probed when a device refuses the one asked for, to say which it would take.
STANDARD_RATES = (8000, 11025, 16000, 22050, 32000, 44100, 48000, 88200, 96000, 176400, 192000)


def list_audio_devices(backend: str = "sounddevice", refresh: bool = False) -> list[dict]:
    """Every device PortAudio sees through ``backend``.

    Each entry: ``index``, ``name``, ``hostapi`` (its name), ``max_input_channels``,
    ``max_output_channels``, ``default_samplerate``, ``default_input`` and
    ``default_output`` (whether it is the default of its kind). ``refresh`` rescans, so
    devices plugged in since the process started appear (sounddevice caches its list).
    """
    if backend == "pyaudio":
        return _pyaudio_devices()
    sd = sounddevice_module(refresh=refresh)
    hostapis = sd.query_hostapis()
    default_in, default_out = sd.default.device
    devices = []
    for info in sd.query_devices():
        devices.append({
            "index": info["index"], "name": info["name"],
            "hostapi": hostapis[info["hostapi"]]["name"],
            "max_input_channels": info["max_input_channels"],
            "max_output_channels": info["max_output_channels"],
            "default_samplerate": float(info["default_samplerate"]),
            "default_input": info["index"] == default_in,
            "default_output": info["index"] == default_out,
        })
    return devices


def _pyaudio_devices() -> list[dict]:
    pa = pyaudio_instance()
    try:
        default_in = _pyaudio_default(pa.get_default_input_device_info)
        default_out = _pyaudio_default(pa.get_default_output_device_info)
        devices = []
        for index in range(pa.get_device_count()):
            info = pa.get_device_info_by_index(index)
            devices.append({
                "index": index, "name": info["name"],
                "hostapi": pa.get_host_api_info_by_index(info["hostApi"])["name"],
                "max_input_channels": int(info["maxInputChannels"]),
                "max_output_channels": int(info["maxOutputChannels"]),
                "default_samplerate": float(info["defaultSampleRate"]),
                "default_input": index == default_in,
                "default_output": index == default_out,
            })
        return devices
    finally:
        pa.terminate()


def _pyaudio_default(getter: Any) -> int:
    try:
        return int(getter()["index"])
    except OSError:  # PyAudio's way of saying there is no default device of that kind
        return -1


def _channels_key(kind: str) -> str:
    return "max_input_channels" if kind == "input" else "max_output_channels"


def describe_device(device: dict, kind: str) -> str:
    """``3 'USB Audio' (2 ch, 48000 Hz)``: one device as error messages and listings show it."""
    return (f"{device['index']} '{device['name']}' ({device[_channels_key(kind)]} ch, "
            f"{device['default_samplerate']:.0f} Hz)")


def find_device(spec: str, kind: str, devices: list[dict]) -> dict:
    """The ``kind`` ("input" or "output") device that ``spec`` names among ``devices``.

    ``spec`` is an index (``"3"``), a case-insensitive name substring (``"scarlett"``), or
    empty for the default device. A substring matching several devices picks an exact name
    match if there is one, else it is an error listing the candidates.
    """
    key = "input_device" if kind == "input" else "output_device"
    usable = [d for d in devices if d[_channels_key(kind)] > 0]
    listing = ", ".join(describe_device(d, kind) for d in usable) or "none"
    there = f"{kind}s here: {listing}"
    spec = spec.strip()
    if not spec:
        for device in usable:
            if device[f"default_{kind}"]:
                return device
        if usable:
            return usable[0]
        raise AudioInputError(f"[audio] {key}: there is no {kind} device on this machine")
    if spec.isdigit():
        for device in usable:
            if device["index"] == int(spec):
                return device
        raise AudioInputError(f"[audio] {key} {spec}: no {kind} device with that index; "
                              f"{there}")
    matches = [d for d in usable if spec.lower() in d["name"].lower()]
    exact = [d for d in matches if d["name"].lower() == spec.lower()]
    if len(exact) == 1 or len(matches) == 1:
        return (exact or matches)[0]
    if not matches:
        raise AudioInputError(f"[audio] {key} '{spec}': no such {kind} device; {there}")
    candidates = ", ".join(describe_device(d, kind) for d in matches)
    raise AudioInputError(f"[audio] {key} '{spec}' matches several {kind} devices: "
                          f"{candidates}; use the index or a longer name")


def supported_rates(backend: str, device: int, kind: str, channels: int,
                    rates: tuple[int, ...] = STANDARD_RATES) -> list[int]:
    """Which of ``rates`` the device accepts for float32 ``channels`` (asking PortAudio)."""
    if backend == "pyaudio":
        import pyaudio
        pa = pyaudio_instance()  # one instance for every probe: each one rescans devices
        try:
            side = "input" if kind == "input" else "output"
            settings = {f"{side}_device": device, f"{side}_channels": channels,
                        f"{side}_format": pyaudio.paFloat32}
            accepted = []
            for rate in rates:
                try:
                    if pa.is_format_supported(rate, **settings):
                        accepted.append(rate)
                except ValueError:  # PyAudio's answer for "not supported"
                    pass
            return accepted
        finally:
            pa.terminate()
    sd = sounddevice_module()
    check = sd.check_input_settings if kind == "input" else sd.check_output_settings
    accepted = []
    for rate in rates:
        try:
            check(device=device, channels=channels, dtype="float32", samplerate=rate)
        except sd.PortAudioError:
            continue
        accepted.append(rate)
    return accepted


def check_sample_rate(backend: str, device: dict, kind: str, channels: int, rate: int) -> None:
    """Raise :class:`AudioInputError` listing the offered rates if ``device`` refuses
    ``rate``."""
    if supported_rates(backend, device["index"], kind, channels, (rate,)):
        return
    offered = supported_rates(backend, device["index"], kind, channels)
    rates = ", ".join(str(r) for r in offered) or "none of the standard rates"
    key = "sample_rate" if kind == "input" else "file"
    raise AudioInputError(f"[audio] {key}: {kind} device {describe_device(device, kind)} "
                          f"cannot run at {rate} Hz; it offers {rates}")


def describe_audio_devices(backend: str = "sounddevice") -> str:
    """A readable listing of audio inputs and outputs, defaults marked with ``*``.

    The ``devices`` command prints it; other concerns' listings (MIDI, displays, GPUs) are
    appended by the CLI.
    """
    devices = list_audio_devices(backend)
    lines = [f"Audio ({backend})"]
    for kind in ("input", "output"):
        lines.append(f"  {kind}s:")
        usable = [d for d in devices if d[_channels_key(kind)] > 0]
        for device in usable:
            mark = "*" if device[f"default_{kind}"] else " "
            lines.append(f"   {mark} {describe_device(device, kind)}  [{device['hostapi']}]")
        if not usable:
            lines.append("     (none)")
    return "\n".join(lines)
