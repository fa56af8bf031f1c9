"""One outcome per expectation: suite, expectation, severity, success and the observed value.

Observed values are written for people: the metric of a frame row with the note that says how
it was measured, or the counts GX reports on a mart partition. Any 11-digit mobile number that
could still slip into a text is masked, whatever its source.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from telco_mart.quality.metrics import Batch
from telco_mart.quality.suites import SuiteSpec

_MOBILE_NUMBER = re.compile(r"(?<![0-9])(1[0-9]{2})[0-9]{4}([0-9]{4})(?![0-9])")
PARTITION_EXPECTATION = "partition_present"


@dataclass(frozen=True)
class Outcome:
    """The verdict on one expectation of one suite."""

    suite: str
    expectation: str
    severity: str
    success: bool
    observed: str
    why: str = ""

    def describe(self) -> str:
        """``suite: expectation: observed <value>``, one line."""
        return f"{self.suite}: {self.expectation}: observed {self.observed}"


def mask_mobile_numbers(text: str) -> str:
    """Mask every free-standing 11-digit number starting with 1 as ``138****5678``."""
    return _MOBILE_NUMBER.sub(r"\1****\2", text)


def skipped_outcome(spec: SuiteSpec, reason: str) -> Outcome:
    """The critical outcome of a suite whose data is missing (a mart partition not built)."""
    return Outcome(spec.name, PARTITION_EXPECTATION, "critical", False, mask_mobile_numbers(reason), "")


def outcomes_of(spec: SuiteSpec, batch: Batch, suite_result) -> list[Outcome]:
    """The outcomes of one validated suite, in the order of the suite file."""
    order = {expectation.label: index for index, expectation in enumerate(spec.expectations)}
    found = []
    for result in suite_result.results:
        config = result.expectation_config
        meta = config.meta or {}
        label = meta.get("label", config.type)
        success = bool(result.success)
        observed = _observed(batch, config.kwargs.get("column"), result, success)
        outcome = Outcome(
            suite=spec.name,
            expectation=label,
            severity=meta.get("severity", "critical"),
            success=success,
            observed=mask_mobile_numbers(observed),
            why=meta.get("why", ""),
        )
        found.append((order.get(label, len(order)), outcome))
    return [outcome for _, outcome in sorted(found, key=lambda pair: pair[0])]


def _observed(batch: Batch, column: str | None, result, success: bool) -> str:
    error = _exception_message(result.exception_info)
    if error:
        return f"error: {error}"
    details: dict[str, Any] = result.result or {}
    if batch.engine == "pandas" and column is not None:
        return _observed_in_frame(batch.frame, column, details, success)
    if "observed_value" in details:
        notes = "; ".join(batch.notes)
        return f"{_number(details['observed_value'])}" + (f" ({notes})" if notes else "")
    if "unexpected_count" in details:
        missing = details.get("missing_count") or 0
        text = f"{details['unexpected_count']} of {details.get('element_count', 0) - missing} non-null rows unexpected"
        if details.get("partial_unexpected_list"):
            text += f", e.g. {', '.join(_number(v) for v in details['partial_unexpected_list'])}"
        return text + (f"; {missing} null rows" if missing else "")
    return "no details"


def _observed_in_frame(frame, column: str, details: dict, success: bool) -> str:
    """Metric frames are a few rows: name the subjects that failed, or summarise those that passed."""
    if column not in frame.columns:
        return f"no column {column} in the metric frame"
    rows = frame
    if not success:
        failed = [
            entry.get("subject")
            for entry in details.get("partial_unexpected_index_list") or []
            if isinstance(entry, dict)
        ]
        rows = frame[frame["subject"].isin(failed)] if failed else frame
    if len(rows) == 1 or not success:
        return "; ".join(_frame_row(row, column) for _, row in rows.iterrows())
    values = rows[column].dropna()
    not_compared = len(rows) - len(values)
    if values.empty:
        return f"none of {len(rows)} compared (first: {rows['note'].iloc[0]})"
    text = f"{len(values)} compared, {_number(values.min())} to {_number(values.max())}"
    return text + (f"; {not_compared} not compared" if not_compared else "")


def _frame_row(row, column: str) -> str:
    value = row[column]
    shown = "not compared" if value is None or (isinstance(value, float) and math.isnan(value)) else _number(value)
    return f"{row['subject']} {shown} ({row['note']})"


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _exception_message(info: Any) -> str | None:
    """GX reports an exception flat, or nested per metric; the first message found."""
    if not isinstance(info, dict):
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message") or "exception").splitlines()[0]
    for nested in info.values():
        if isinstance(nested, dict) and nested.get("raised_exception"):
            return str(nested.get("exception_message") or "exception").splitlines()[0]
    return None
