"""Channel results: the real ingestion, then reconciliation with the exported contacts.

One result file with a good row, a row repeated in the file, an unknown contact, a contact of
another subscriber, a late result and a result already accepted the day before: each bad row is
quarantined with its reason, the counts add up in the audit table, and refusals and opt-outs
become suppressions."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from telco_mart.campaigns.policy_config import load_contact_policy
from telco_mart.settings import DataLayout

DAY = date(2026, 12, 3)
YESTERDAY, LONG_AGO = DAY - timedelta(days=1), DAY - timedelta(days=5)


def _contact(day: date, subscriber: str, campaign: str = "camp") -> dict:
    return {
        "contact_id": f"{day:%Y%m%d}-{campaign}-{subscriber}",
        "campaign_id": campaign,
        "subscriber_id": subscriber,
        "arm": "treatment",
        "exclusion_group": "group_a",
    }


def _write_partition(layout: DataLayout, table: str, day: date, rows: list[dict]) -> None:
    folder = layout.mart / table / f"business_date={day}"
    folder.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows), folder / "part-0.parquet")


def _line(contact_id: str, result: str, subscriber: str, campaign: str = "camp") -> str:
    return f"{contact_id}|{result}|{campaign}|{subscriber}|sms|{DAY:%Y%m%d}100000|"


@pytest.fixture(scope="module")
def fed(spark, tmp_path_factory):
    from telco_mart.campaigns.channels.feedback import ingest_feedback
    from telco_mart.contract import load_feedback_contract
    from telco_mart.landing.writer import encode_lines, write_extract

    layout = DataLayout(tmp_path_factory.mktemp("feedback_root"))
    recent = [_contact(YESTERDAY, s) for s in ("S1", "S2", "S3", "S4")]
    _write_partition(layout, "fct_contacts", YESTERDAY, recent)
    _write_partition(layout, "fct_contacts", LONG_AGO, [_contact(LONG_AGO, "S9")])
    _write_partition(
        layout, "fct_contact_results", YESTERDAY, [{"contact_id": recent[3]["contact_id"], "contact_result": "sent"}]
    )
    lines = [
        _line(recent[0]["contact_id"], "delivered", "S1"),  # good
        _line(recent[1]["contact_id"], "refused", "S2"),  # good, suppresses the group
        _line(recent[2]["contact_id"], "opted_out", "S3"),  # good, suppresses every contact
        _line(recent[2]["contact_id"], "opted_out", "S3"),  # repeated in the file: duplicate key at ingestion
        _line("20261202-camp-S404", "sent", "S404"),  # never exported
        _line(recent[0]["contact_id"], "reached", "S2"),  # the id of S1's contact with another subscriber
        _line(f"{LONG_AGO:%Y%m%d}-camp-S9", "accepted", "S9"),  # exported 5 days ago, the limit is 3
        _line(recent[3]["contact_id"], "sent", "S4"),  # accepted yesterday already
    ]
    contract = load_feedback_contract()
    table = contract.source("channel").table("CHANNEL_RESULT")
    text = encode_lines("".join(f"{line}\n" for line in lines), "utf-8")
    write_extract(contract, table, DAY, layout.landing_dir("channel", DAY), [text])
    summary = ingest_feedback(spark, layout, DAY, load_contact_policy())
    return layout, summary


def test_each_bad_result_is_quarantined_with_its_reason(fed):
    layout, summary = fed
    assert summary.rows_read == 8
    assert summary.rows_accepted == 3
    assert summary.quarantined_by_reason == {
        "rejected_at_ingestion": 1,
        "unknown_contact": 2,
        "late_result": 1,
        "duplicate_result": 1,
    }
    quarantined = pd.read_parquet(layout.quarantine_table("channel", "CHANNEL_RESULT_RECONCILIATION") / f"dt={DAY}")
    assert sorted(quarantined.reason_code) == ["duplicate_result", "late_result", "unknown_contact", "unknown_contact"]
    assert quarantined.line.str.contains("S404").any()


def test_the_counts_add_up_in_the_audit_table(fed):
    from telco_mart.ingest.audit import read_audit

    layout, summary = fed
    audit = read_audit(layout, DAY).to_pandas().set_index("table_name")
    ingested, reconciled = audit.loc["CHANNEL_RESULT"], audit.loc["CHANNEL_RESULT_RECONCILIATION"]
    assert ingested.rows_read == ingested.rows_accepted + ingested.rows_quarantined == 8
    assert reconciled.rows_read == ingested.rows_accepted
    assert reconciled.rows_read == reconciled.rows_accepted + reconciled.rows_quarantined
    assert summary.rows_read == summary.rows_accepted + summary.rows_quarantined


def test_reconciled_results_and_suppressions_are_published(fed):
    layout, _ = fed
    results = pd.read_parquet(layout.mart / "fct_contact_results" / f"business_date={DAY}")
    assert sorted(results.subscriber_id) == ["S1", "S2", "S3"]
    suppressions = pd.read_parquet(layout.mart / "fct_contact_suppressions" / f"business_date={DAY}")
    kinds = dict(zip(suppressions.subscriber_id, suppressions.suppression_kind, strict=True))
    assert kinds == {"S2": "refused", "S3": "opted_out"}
    refused = suppressions[suppressions.subscriber_id == "S2"].iloc[0]
    assert refused.exclusion_group == "group_a" and refused.until_date == DAY + timedelta(days=30)
    assert pd.isna(suppressions[suppressions.subscriber_id == "S3"].iloc[0].until_date)  # until the subscriber opts in


def test_a_day_without_a_result_file_ingests_and_audits_nothing(fed, spark):
    from telco_mart.campaigns.channels.feedback import ingest_feedback
    from telco_mart.ingest.audit import read_audit

    layout, _ = fed
    quiet_day = DAY + timedelta(days=1)
    summary = ingest_feedback(spark, layout, quiet_day, load_contact_policy())
    assert summary.file_status == "not delivered" and summary.rows_read == 0
    assert read_audit(layout, quiet_day).num_rows == 0
    assert (layout.mart / "fct_contact_results" / f"business_date={quiet_day}").is_dir()
