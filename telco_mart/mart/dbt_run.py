"""Run dbt in this process, on the package's SparkSession, with all its state under the data root.

dbt-spark's ``session`` method asks ``SparkSession.builder.getOrCreate()`` for a session; by
building that session first (with the Hive catalogue and telco-mart's settings) dbt runs on
the same configuration as every other job, and its Derby metastore, warehouse, ``target/``
and logs stay under ``$TELCO_MART_HOME``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

from telco_mart.errors import TelcoMartError
from telco_mart.settings import PROJECT_DIR, DataLayout

DBT_PROJECT_DIR = PROJECT_DIR / "dbt_project"
TARGET_VARIABLE = "TELCO_MART_DBT_TARGET"


class DbtRunFailed(TelcoMartError):
    """dbt ended with errors or failed tests; the message lists the failed nodes."""


@dataclass(frozen=True)
class NodeOutcome:
    """One model, test, seed or unit test of a dbt invocation."""

    unique_id: str
    status: str
    message: str
    seconds: float


@dataclass
class DbtRun:
    """What one dbt invocation did."""

    command: list[str]
    success: bool
    nodes: list[NodeOutcome] = field(default_factory=list)

    @property
    def failures(self) -> list[NodeOutcome]:
        """Nodes that errored (models) or failed (tests)."""
        return [n for n in self.nodes if n.status in ("error", "fail", "runtime error")]


def dbt_environment(layout: DataLayout) -> dict[str, str]:
    """The environment dbt needs: the data root and dbt's target and log folders under it."""
    return {
        "TELCO_MART_HOME": str(layout.root),
        "DBT_TARGET_PATH": str(layout.root / "dbt" / "target"),
        "DBT_LOG_PATH": str(layout.root / "dbt" / "logs"),
        "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
        "DBT_PROJECT_DIR": str(DBT_PROJECT_DIR),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


def run_dbt(arguments: list[str], layout: DataLayout, dbt_vars: dict | None = None) -> DbtRun:
    """Invoke ``dbt <arguments>`` with ``dbt_vars``; returns the outcome of every node.

    With the ``local`` target the package's SparkSession (Hive catalogue on) is started first
    so that dbt-spark's session method picks it up.
    """
    os.environ.update(dbt_environment(layout))
    if os.environ.get(TARGET_VARIABLE, "local") == "local":
        from telco_mart.mart.catalogue import register_mart_tables
        from telco_mart.spark_session import get_spark

        register_mart_tables(get_spark("telco-mart-dbt", layout, catalog=True), layout)

    from dbt.cli.main import dbtRunner

    command = list(arguments)
    if dbt_vars:
        command += ["--vars", json.dumps(dbt_vars)]
    result = dbtRunner().invoke(command)
    nodes = []
    if result.result is not None and hasattr(result.result, "results"):
        for node in result.result.results:
            nodes.append(
                NodeOutcome(
                    unique_id=node.node.unique_id,
                    status=str(node.status),
                    message=str(node.message or ""),
                    seconds=float(node.execution_time or 0.0),
                )
            )
    run = DbtRun(command=command, success=bool(result.success), nodes=nodes)
    if result.exception is not None:
        raise DbtRunFailed(f"dbt {' '.join(arguments)} could not run: {result.exception}") from result.exception
    return run


def raise_for_failures(run: DbtRun) -> DbtRun:
    """Raise :class:`DbtRunFailed` naming each failed node when the run did not succeed."""
    if run.success:
        return run
    lines = [f"{n.unique_id}: {n.status}: {n.message.splitlines()[0] if n.message else ''}" for n in run.failures]
    summary = "; ".join(lines) or "see the dbt log under $TELCO_MART_HOME/dbt/logs"
    raise DbtRunFailed(f"dbt {run.command[0]} failed ({len(run.failures)} node(s)): {summary}")
