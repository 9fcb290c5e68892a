"""Shared by every benchmark: print figures and save them as JSON with the machine and versions."""

from __future__ import annotations

import json
import os
import platform
import sys
import time
import warnings
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    import numpy
    info: dict[str, Any] = {
        "host": platform.node(), "platform": platform.platform(), "cpu": platform.processor(),
        "cores": os.cpu_count(), "python": sys.version.split()[0], "numpy": numpy.__version__,
    }
    try:
        with warnings.catch_warnings():  # torch warns about the pynvml shim on import
            warnings.simplefilter("ignore")
            import torch
        info["torch"] = torch.__version__
        info["cuda"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    except ImportError:
        info["torch"] = None
    return info


def report(name: str, figures: dict[str, Any], out: Path | None = None) -> Path:
    """Print ``figures`` and save ``{"benchmark", "time", "machine", "figures"}`` as JSON."""
    out = out or RESULTS / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    record = {"benchmark": name, "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
              "machine": machine(), "figures": figures}
    out.write_text(json.dumps(record, indent=2))
    width = max(len(k) for k in figures) if figures else 0
    print(f"== {name} ==")
    for key, value in figures.items():
        print(f"  {key:<{width}}  {value:.4g}" if isinstance(value, float) else f"  {key:<{width}}  {value}")
    print(f"saved {out}")
    return out
