"""Channel results: ingest the day's result file, reconcile it with what was exported, and
turn refusals, complaints and opt-outs into suppression entries.

1. ``CHANNEL_RESULT`` is ingested like any source extract (control file, part checks, row
   checks, duplicate keys within the file quarantined), by the same ingestion code.
2. Each accepted row is reconciled with the contact history: a result for a contact that was
   never exported (``unknown_contact``), for a contact exported more than
   ``feedback_max_delay_days`` before the date (``late_result``), or repeating a result already
   accepted on an earlier day (``duplicate_result``) is quarantined with its reason under
   ``quarantine/channel/channel_result_reconciliation/`` and counted in the audit table.
3. Reconciled rows go to ``fct_contact_results`` (partition: the date they arrived); a refusal,
   a complaint or an opt-out becomes a ``fct_contact_suppressions`` entry that the policy of
   the next run honours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from telco_mart.campaigns import tables
from telco_mart.campaigns.inputs import contacts_before, results_until
from telco_mart.campaigns.policy_config import ContactPolicy
from telco_mart.contract import load_feedback_contract
from telco_mart.ingest.audit import AuditRow, write_audit_rows
from telco_mart.ingest.runner import ingest_source
from telco_mart.settings import DataLayout, partition_name
from telco_mart.storage.declared import declared_table
from telco_mart.storage.keys import RAW_KEY
from telco_mart.storage.restricted import read_raw_range
from telco_mart.storage.spark_writes import publish_frame

SOURCE, TABLE = "channel", "CHANNEL_RESULT"
RECONCILIATION_TABLE = "CHANNEL_RESULT_RECONCILIATION"
UNKNOWN, LATE, DUPLICATE = "unknown_contact", "late_result", "duplicate_result"
SUPPRESSING_RESULTS = ("refused", "complained", "opted_out")
# The raw channel_result partition as ingestion writes it (the contract's columns, then the
# lineage columns every raw row carries): a day without a file reads as no rows of this shape, so
# its fct_contact_results partition has the same columns as a day with results.
_INGESTED_SCHEMA = (
    "contact_id string, contact_result string, campaign_id string, subscriber_id string, channel_type string, "
    "result_at timestamp_ntz, detail string, source_file_name string, source_row_number bigint, dt date"
)


@dataclass
class FeedbackSummary:
    """What the day's channel results came to."""

    business_date: date
    file_status: str = "missing"
    rows_read: int = 0
    rows_accepted: int = 0
    rows_quarantined: int = 0
    quarantined_by_reason: dict[str, int] = field(default_factory=dict)
    results_by_kind: dict[str, int] = field(default_factory=dict)
    suppressions: int = 0

    def as_dict(self) -> dict:
        """For the run summary and the report."""
        return dict(self.__dict__, business_date=self.business_date.isoformat())


def _reconcile(
    spark, layout: DataLayout, day: date, policy: ContactPolicy, arrived: DataFrame, contacts: DataFrame
) -> DataFrame:
    """``arrived`` with ``reason_code`` (null when the row reconciles) and ``contact_date``;
    ``contacts`` are the assignments of the look-back before ``day``."""
    history_days = policy.outcome_lookback_days
    exported = contacts.where(F.col("arm") == tables.TREATMENT).select(
        "contact_id",
        F.col("campaign_id").alias("_campaign"),
        F.col("subscriber_id").alias("_subscriber"),
        F.col("business_date").alias("contact_date"),
    )
    earlier = (
        results_until(spark, layout, day - timedelta(days=1), history_days)
        .select("contact_id", "contact_result")
        .distinct()
        .withColumn("_seen", F.lit(True))
    )
    joined = arrived.join(exported, "contact_id", "left").join(earlier, ["contact_id", "contact_result"], "left")
    late_before = F.lit(day - timedelta(days=policy.feedback_max_delay_days))
    reason = (
        F.when(
            F.col("contact_date").isNull()
            | (F.col("_campaign") != F.col("campaign_id"))
            | (F.col("_subscriber") != F.col("subscriber_id")),
            F.lit(UNKNOWN),
        )
        .when(F.col("contact_date") < late_before, F.lit(LATE))
        .when(F.col("_seen"), F.lit(DUPLICATE))
    )
    return joined.withColumn("reason_code", reason).drop("_campaign", "_subscriber", "_seen")


def _write_quarantine(layout: DataLayout, day: date, rejected: DataFrame) -> None:
    fields = ["contact_id", "contact_result", "campaign_id", "subscriber_id", "channel_type", "result_at", "detail"]
    line = F.concat_ws("|", *[F.coalesce(F.col(c).cast("string"), F.lit("")) for c in fields])
    rows = rejected.select(
        F.lit(SOURCE).alias("source"),
        F.lit(TABLE).alias("table_name"),
        F.lit(None).cast("string").alias("file_name"),
        F.lit(None).cast("long").alias("row_number"),
        "reason_code",
        F.when(F.col("reason_code") == LATE, F.concat(F.lit("contact exported "), F.col("contact_date").cast("string")))
        .when(F.col("reason_code") == UNKNOWN, F.lit("no exported contact with this id, campaign and subscriber"))
        .otherwise(F.lit("result already accepted on an earlier day"))
        .alias("reason_detail"),
        line.alias("line"),
    )
    final = layout.quarantine_table(SOURCE, RECONCILIATION_TABLE) / partition_name(day)
    publish_frame(rows, layout, final, ["reason_code", "line"])


def _suppressions(reconciled: DataFrame, contacts: DataFrame, day: date, policy: ContactPolicy) -> DataFrame:
    groups = contacts.select("contact_id", "exclusion_group")
    until = (
        F.when(F.col("contact_result") == "refused", F.lit(day + timedelta(days=policy.refusal_suppression_days)))
        .when(F.col("contact_result") == "complained", F.lit(day + timedelta(days=policy.complaint_cool_off_days)))
        .otherwise(F.lit(None).cast("date"))  # an opt-out holds until the subscriber opts in again in CRM
    )
    return (
        reconciled.where(F.col("contact_result").isin(*SUPPRESSING_RESULTS))
        .join(groups, "contact_id", "left")
        .select(
            "subscriber_id",
            F.col("contact_result").alias("suppression_kind"),
            "exclusion_group",
            "campaign_id",
            "channel_type",
            until.alias("until_date"),
        )
        .distinct()
    )


def _audit_reconciliation(layout: DataLayout, day: date, ingested, outcome, accepted: int, quarantined: int) -> None:
    """One audit row for the reconciliation: rows read (accepted at ingestion) = reconciled + quarantined."""
    write_audit_rows(
        layout,
        [
            AuditRow(
                # Its own run id (the ingestion's plus a suffix): the audit keeps one file per
                # source and run, and the ingestion's rows of the same run must stay beside it.
                run_id=f"{ingested.run_id}-reconciliation",
                ingested_at=ingested.started_at,
                source=SOURCE,
                table_name=RECONCILIATION_TABLE,
                business_date=day,
                file_name=None,
                part_number=None,
                rows_in_control=None,
                rows_read=outcome.rows_accepted,
                rows_accepted=accepted,
                rows_quarantined=quarantined,
                bytes=None,
                md5=None,
                status=outcome.status,
                reason=None,
                reason_detail="reconciled with the exported contacts",
            )
        ],
    )


def ingest_feedback(spark, layout: DataLayout, day: date, policy: ContactPolicy) -> FeedbackSummary:
    """Ingest, reconcile and publish the channel results that arrived on ``day``."""
    summary = FeedbackSummary(day)
    contract = load_feedback_contract()
    # No control file: no channel worked a contact for the date (no campaign sent the day before).
    # Nothing is ingested or audited then; the day's result partitions are written empty.
    delivered = (layout.landing_dir(SOURCE, day) / contract.control_file_name(TABLE, day)).exists()
    outcome = ingested = None
    if delivered:
        ingested = ingest_source(spark, SOURCE, [day], layout, contract)
        outcome = ingested.tables[0]
        summary.file_status = outcome.status
        summary.rows_read = outcome.rows_read
        if outcome.rows_quarantined:
            summary.quarantined_by_reason["rejected_at_ingestion"] = outcome.rows_quarantined
        arrived = read_raw_range(spark, layout, SOURCE, TABLE, day, day, _INGESTED_SCHEMA).drop(RAW_KEY)
    else:
        summary.file_status = "not delivered"
        arrived = spark.createDataFrame([], _INGESTED_SCHEMA).drop("dt")
    contacts = contacts_before(spark, layout, day, policy.outcome_lookback_days)
    checked = _reconcile(spark, layout, day, policy, arrived, contacts).localCheckpoint()
    counts = {r["reason_code"]: r["count"] for r in checked.groupBy("reason_code").count().collect()}
    reconciled = checked.where(F.col("reason_code").isNull()).drop("reason_code")
    rejected = checked.where(F.col("reason_code").isNotNull())
    accepted_rows = counts.pop(None, 0)
    summary.rows_accepted = accepted_rows
    summary.rows_quarantined = (outcome.rows_quarantined if outcome else 0) + sum(counts.values())
    summary.quarantined_by_reason.update(counts)
    if counts:
        _write_quarantine(layout, day, rejected)
    if ingested is not None:
        _audit_reconciliation(layout, day, ingested, outcome, accepted_rows, sum(counts.values()))
    declared_table(tables.CONTACT_RESULTS).write(
        reconciled.withColumn("business_date", F.lit(day)), layout, day, sort_by=["contact_id", "contact_result"]
    )
    suppressions = _suppressions(reconciled, contacts, day, policy)
    summary.suppressions = declared_table(tables.CONTACT_SUPPRESSIONS).write(
        suppressions, layout, day, sort_by=["subscriber_id", "suppression_kind", "campaign_id"]
    )
    summary.results_by_kind = {
        r["contact_result"]: r["count"] for r in reconciled.groupBy("contact_result").count().collect()
    }
    return summary


__all__ = ["FeedbackSummary", "ingest_feedback"]
