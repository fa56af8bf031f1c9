"""Run the installed `telco-mart` command as a user would, on a given data root."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.conftest import VENV_BIN


def telco_mart(*arguments: str, home: Path, timeout: int = 900) -> subprocess.CompletedProcess:
    """`telco-mart <arguments>` with TELCO_MART_HOME=home and a local Spark; returns the CompletedProcess."""
    return subprocess.run(
        [str(VENV_BIN / "telco-mart"), *arguments],
        env={**os.environ, "TELCO_MART_HOME": str(home), "TELCO_MART_SPARK_MASTER": "local[2]"},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
