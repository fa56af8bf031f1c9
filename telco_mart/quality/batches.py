"""Which batch each suite validates on one business date: a small metric frame, or the mart
partition (the dispatch over the raw metric builders and the mart reader)."""

from __future__ import annotations

from datetime import date

from telco_mart.quality import raw_shares
from telco_mart.quality.mart import mart_batch
from telco_mart.quality.metrics import Batch, Skipped, row_counts_batch
from telco_mart.quality.suites import SuiteSpec
from telco_mart.settings import DataLayout


def build_batch(spec: SuiteSpec, spark, layout: DataLayout, business_date: date) -> Batch | Skipped:
    """The batch of ``spec`` on ``business_date``."""
    if spec.layer == "mart":
        return mart_batch(spec, spark, layout, business_date)
    builders = {
        "row_counts": row_counts_batch,
        "dm_subscriber_imei": raw_shares.dm_subscriber_imei_batch,
        "gn_traffic": raw_shares.gn_traffic_batch,
        "boss_bill_monthly": raw_shares.boss_bill_monthly_batch,
        "bi_value_segment": raw_shares.bi_value_segment_batch,
    }
    if spec.dataset not in builders:
        known = ", ".join(sorted(builders))
        return Skipped(f"no metric frame for dataset {spec.dataset!r} (known: {known})", is_failure=True)
    return builders[spec.dataset](spark, layout, business_date, spec.parameters)
