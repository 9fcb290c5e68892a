"""The GPUs of the show box through NVML: what there is, and how hot it runs.

Without an NVIDIA driver (``pynvml.nvmlInit()`` raises ``NVMLError_LibraryNotFound``)
everything here answers "no GPUs" instead of failing: a laptop rehearsal is not an error.
"""

from __future__ import annotations

import pynvml


class GpuThermometer:
    """GPU core temperatures in °C via NVML; an empty list without an NVIDIA driver."""

    def __init__(self) -> None:
        try:
            pynvml.nvmlInit()
            self.handles = [pynvml.nvmlDeviceGetHandleByIndex(i)
                             for i in range(pynvml.nvmlDeviceGetCount())]
        except pynvml.NVMLError:
            self.handles = []

    def read(self) -> list[int]:
        temperatures = []
        for handle in self.handles:
            try:
                temperatures.append(int(pynvml.nvmlDeviceGetTemperature(
                    handle, pynvml.NVML_TEMPERATURE_GPU)))
            except pynvml.NVMLError:
                continue    # a GPU that stops answering is left out, not fatal
        return temperatures

    def close(self) -> None:
        if self.handles:
            try:
                pynvml.nvmlShutdown()
            except pynvml.NVMLError:
                pass
            self.handles = []


def list_gpus() -> list[dict]:
    """Each GPU's index, name, memory (MiB) and temperature (°C); [] without a driver."""
    thermometer = GpuThermometer()
    try:
        gpus = []
        for index, handle in enumerate(thermometer.handles):
            name = pynvml.nvmlDeviceGetName(handle)
            memory = pynvml.nvmlDeviceGetMemoryInfo(handle)
            gpus.append({"index": index, "name": name.decode() if isinstance(name, bytes) else name,
                         "memory_mib": memory.total // 2**20})
        for gpu, temperature in zip(gpus, thermometer.read()):
            gpu["temperature_c"] = temperature
        return gpus
    finally:
        thermometer.close()
