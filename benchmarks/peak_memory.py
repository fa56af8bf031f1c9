"""Peak resident memory of this process or another one (the Spark JVM), for the benchmark scripts."""

from __future__ import annotations

import resource
from pathlib import Path


def peak_rss_mb(pid: int | None = None) -> float:
    """Peak resident set size in MB: this process when ``pid`` is None, else ``pid`` (Linux /proc)."""
    if pid is None:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")
