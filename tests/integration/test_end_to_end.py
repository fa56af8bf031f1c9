"""End to end on the tiny generated set: the real DAG with `airflow dags test`, then every
injected defect found with its reason and every clean row arrived; file defects reject their
table-date; a late delivery fails the day until it arrives. The rerun of the whole day with
`telco-mart run` (identical partitions and exports) is in test_run_command.py."""

from __future__ import annotations

from datetime import date

import pyarrow.compute as pc
import pyarrow.dataset as ds
import pytest

from telco_mart.ingest.audit import read_audit
from telco_mart.landing.late import deliver_late_files
from telco_mart.pipeline.reconcile import reconcile
from tests.conftest import TINY_END
from tests.support.extracts import ingest_and_reconcile

pytestmark = pytest.mark.slow
LAST_DAY = date.fromisoformat(TINY_END)


def _truth_rows(layout, business_date: date) -> list[dict]:
    folder = layout.truth / "row_defects" / f"dt={business_date:%Y-%m-%d}"
    return ds.dataset(str(folder), format="parquet").to_table().to_pylist() if folder.exists() else []


def _quarantine(layout, source: str, table: str, business_date: date) -> dict[tuple[str, int], str]:
    folder = layout.quarantine_table(source, table) / f"dt={business_date:%Y-%m-%d}"
    if not folder.exists():
        return {}
    rows = ds.dataset(str(folder), format="parquet").to_table(columns=["file_name", "row_number", "reason_code"])
    return {(r["file_name"], r["row_number"]): r["reason_code"] for r in rows.to_pylist()}


def test_the_daily_dag_runs_clean_for_the_last_date(daily_dag_run, tiny_dataset):
    output = daily_dag_run.stdout + daily_dag_run.stderr
    assert daily_dag_run.returncode == 0, output[-5000:]
    assert "new_state=failed" not in output
    verdict = reconcile(LAST_DAY, tiny_dataset)
    assert verdict.passed, verdict.problems
    assert {t.status for t in verdict.tables} == {"loaded"}
    assert (tiny_dataset.audit / "reconciliation" / "dt=2026-10-31" / "reconciliation.parquet").exists()


def test_every_injected_defect_is_quarantined_with_its_reason(daily_dag_run, tiny_dataset):
    truth = _truth_rows(tiny_dataset, LAST_DAY)
    assert len({row["defect_kind"] for row in truth}) >= 5, "the tiny set should carry most defect kinds"
    quarantined: dict[tuple[str, str], dict] = {}
    for row in truth:
        key = (row["source"], row["table_name"])
        if key not in quarantined:
            quarantined[key] = _quarantine(tiny_dataset, row["source"], row["table_name"], LAST_DAY)
        found = quarantined[key].get((row["file_name"], row["row_number"]))
        assert found == row["expected_reason"], f"{row}: quarantined as {found}"


def test_every_clean_row_arrives(daily_dag_run, tiny_dataset):
    truth = _truth_rows(tiny_dataset, LAST_DAY)
    defects_per_file: dict[str, int] = {}
    for row in truth:
        defects_per_file[row["file_name"]] = defects_per_file.get(row["file_name"], 0) + 1
    audit = read_audit(tiny_dataset, LAST_DAY).to_pylist()
    assert audit and all(row["status"] == "loaded" for row in audit)
    for row in audit:
        expected_quarantine = defects_per_file.get(row["file_name"], 0)
        assert row["rows_read"] == row["rows_in_control"]
        assert row["rows_quarantined"] == expected_quarantine, row["file_name"]
        assert row["rows_accepted"] == row["rows_read"] - expected_quarantine, row["file_name"]
        raw = ds.dataset(
            str(tiny_dataset.raw_table(row["source"], row["table_name"]) / "dt=2026-10-31"), format="parquet"
        ).to_table(columns=["source_file_name"])
        arrived = pc.sum(pc.equal(raw.column("source_file_name"), row["file_name"])).as_py() or 0
        assert arrived == row["rows_accepted"], row["file_name"]


def test_file_defects_reject_their_table_date_and_late_files_fail_the_day(daily_dag_run, spark, tiny_dataset):
    file_defects = ds.dataset(str(tiny_dataset.truth / "file_defects.parquet")).to_table().to_pylist()
    assert {d["defect_kind"] for d in file_defects} == {"truncated_file", "control_mismatch", "late_file"}
    days = sorted({d["business_date"] for d in file_defects})
    ingestions, reconciliations = ingest_and_reconcile(spark, days, tiny_dataset)
    outcomes = {(t.table_name, t.business_date): t for r in ingestions for t in r.tables}
    for defect in file_defects:
        outcome = outcomes[(defect["table_name"], defect["business_date"])]
        expected_status = "missing" if defect["defect_kind"] == "late_file" else "rejected"
        assert (outcome.status, outcome.reason) == (expected_status, defect["expected_reason"]), defect
        if expected_status == "rejected":
            kept = tiny_dataset.rejected_files_dir(defect["source"], defect["table_name"], defect["business_date"])
            assert (kept / "REJECTED.json").exists()
            assert not (
                tiny_dataset.raw_table(defect["source"], defect["table_name"])
                / f"dt={defect['business_date']:%Y-%m-%d}"
            ).exists()

    late = next(d for d in file_defects if d["defect_kind"] == "late_file")
    verdict = next(r for r in reconciliations if r.business_date == late["business_date"])
    assert not verdict.passed and any(late["table_name"] in problem for problem in verdict.problems)

    assert deliver_late_files(tiny_dataset, late["business_date"])
    again, _ = ingest_and_reconcile(spark, [late["business_date"]], tiny_dataset)
    outcome = next(t for r in again for t in r.tables if t.table_name == late["table_name"])
    assert outcome.status == "loaded"
