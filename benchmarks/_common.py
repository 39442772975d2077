"""Helpers shared by the benchmarks: JSON output and peak memory of a fresh process."""

from __future__ import annotations

import json
import platform
import resource
import sys
from typing import Any


def peak_rss_mib() -> float:
    """Return this process's peak resident set size in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def emit(name: str, results: dict[str, Any]) -> None:
    """Print one benchmark's results as JSON on stdout."""
    doc = {
        "benchmark": name,
        "python": platform.python_version(),
        "machine": platform.machine(),
        **results,
    }
    json.dump(doc, sys.stdout, indent=2)
    sys.stdout.write("\n")
