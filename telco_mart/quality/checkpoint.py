"""Run a checkpoint (``raw`` or ``mart``) for one business date, and gate on its critical failures.

``run_checkpoint`` validates every suite of the checkpoint, stores the results and the Data Docs
under ``<data root>/quality`` and returns a ``CheckpointResult``; ``enforce`` raises
``QualityGateFailed`` when a critical expectation failed. Warnings are logged and returned, never
raised.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path

from telco_mart.errors import TelcoMartError
from telco_mart.quality.batches import build_batch
from telco_mart.quality.metrics import Skipped
from telco_mart.quality.outcomes import Outcome, mask_mobile_numbers, outcomes_of, skipped_outcome
from telco_mart.quality.suites import EXPECTATIONS_DIR, load_all_suites, load_checkpoint, load_suite
from telco_mart.settings import DataLayout

logger = logging.getLogger(__name__)


class QualityGateFailed(TelcoMartError):
    """A checkpoint had critical failures; the message lists each with its observed value."""


@dataclass
class CheckpointResult:
    """What one checkpoint run found on one business date."""

    checkpoint: str
    business_date: date
    outcomes: list[Outcome] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "suite: reason" for suites with nothing to validate
    data_docs_index: Path | None = None

    @property
    def critical_failures(self) -> list[Outcome]:
        """Failed expectations marked critical: these stop the day."""
        return [o for o in self.outcomes if not o.success and o.severity == "critical"]

    @property
    def warnings(self) -> list[Outcome]:
        """Failed expectations marked warning: logged and returned, never raised."""
        return [o for o in self.outcomes if not o.success and o.severity == "warning"]

    @property
    def passed(self) -> bool:
        """Whether no critical expectation failed."""
        return not self.critical_failures

    def summary(self) -> dict:
        """A small JSON-able summary (an Airflow task's return value, pushed to XCom)."""
        return {
            "checkpoint": self.checkpoint,
            "business_date": self.business_date.isoformat(),
            "passed": self.passed,
            "expectations": len(self.outcomes),
            "critical_failures": [o.describe() for o in self.critical_failures],
            "warnings": [o.describe() for o in self.warnings],
            "skipped": list(self.skipped),
            "data_docs_index": str(self.data_docs_index) if self.data_docs_index else None,
        }


def failure_message(result: CheckpointResult) -> str:
    """One line naming every failed critical expectation with its observed value."""
    failures = result.critical_failures
    listed = "; ".join(outcome.describe() for outcome in failures)
    docs = f" (Data Docs: {result.data_docs_index})" if result.data_docs_index else ""
    text = (
        f"quality gate {result.checkpoint} failed on {result.business_date}: {len(failures)} critical: {listed}{docs}"
    )
    return mask_mobile_numbers(text)


def enforce(result: CheckpointResult) -> CheckpointResult:
    """Raise ``QualityGateFailed`` when a critical expectation failed; otherwise return ``result``."""
    if result.critical_failures:
        raise QualityGateFailed(failure_message(result))
    return result


def run_checkpoint(
    name: str,
    business_date: date,
    spark,
    layout: DataLayout,
    *,
    enforce: bool = False,
    expectations_dir: Path = EXPECTATIONS_DIR,
) -> CheckpointResult:
    """Validate every suite of checkpoint ``name`` on ``business_date``.

    One GX context for the run; results and Data Docs under ``layout.root / "quality"``. With
    ``enforce=True``, raise ``QualityGateFailed`` on a critical failure (after the docs are built).
    """
    checkpoint = load_checkpoint(name, expectations_dir)
    suites = [load_suite(suite_name, expectations_dir) for suite_name in checkpoint.suites]
    from great_expectations.core.run_identifier import RunIdentifier

    from telco_mart.quality.context import QualityContext

    context = QualityContext(layout, load_all_suites(expectations_dir))
    # The run is named and timed by its business date, never the wall clock: rerunning a date
    # replaces that date's results instead of piling up a run per attempt.
    run_time = datetime.combine(business_date, time.min, tzinfo=UTC)
    run_id = RunIdentifier(run_name=f"{name}-{business_date:%Y-%m-%d}", run_time=run_time)
    result = CheckpointResult(checkpoint=name, business_date=business_date)
    for spec in suites:
        batch = build_batch(spec, spark, layout, business_date)
        if isinstance(batch, Skipped):
            if batch.is_failure:
                result.outcomes.append(skipped_outcome(spec, batch.reason))
            else:
                result.skipped.append(f"{spec.name}: {batch.reason}")
            continue
        result.outcomes.extend(outcomes_of(spec, batch, context.validate(spec, batch, run_id)))
    result.data_docs_index = context.build_docs()
    _log(result)
    if enforce:
        _raise_on_critical(result)
    return result


_raise_on_critical = enforce  # the keyword argument of run_checkpoint shadows the function's name


def _log(result: CheckpointResult) -> None:
    for outcome in result.warnings:
        logger.warning("quality warning %s", outcome.describe())
    for outcome in result.critical_failures:
        logger.error("quality critical %s", outcome.describe())
    for reason in result.skipped:
        logger.info("quality skipped %s", reason)
    logger.info(
        "checkpoint %s on %s: %d expectations, %d critical, %d warnings; Data Docs %s",
        result.checkpoint,
        result.business_date,
        len(result.outcomes),
        len(result.critical_failures),
        len(result.warnings),
        result.data_docs_index,
    )
