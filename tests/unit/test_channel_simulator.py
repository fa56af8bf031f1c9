"""The channel simulator: results, orders and complaints it lands for D+1, read back from the files."""

from __future__ import annotations

import gzip
import hashlib
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from telco_mart.campaigns import tables
from telco_mart.campaigns.channels.exports import write_channel_export
from telco_mart.landing.control_file import read_control_file
from telco_mart.settings import DataLayout
from telco_mart.synthetic.channel_simulator import (
    SimulationError,
    fit_uplift,
    format_simulation_summary,
    simulate_day,
    simulation_truth_path,
)

DAY = date(2026, 11, 30)
NEXT = DAY + timedelta(days=1)
EARLY = DAY - timedelta(days=5)  # its exports are more than 3 days old on D: late-result candidates
FIT, FLAGSHIP = "cmp_package_fit", "cmp_flagship"
PACKAGE = {FIT: "P058", FLAGSHIP: "P199"}
RESTRICTED = "S00000005"  # a treatment subscriber the export drops at publish
SUBJECTS = 2500
FUNNELS = [
    ["sent", "failed"],
    ["sent", "delivered"],
    ["sent", "delivered", "reached"],
    *(["sent", "delivered", "reached", end] for end in ("accepted", "refused", "complained", "opted_out")),
]


def _assignment(day: date, campaign_id: str, number: int, channel: str | None, arpu: float | None) -> dict:
    fee = 58.0 if campaign_id == FIT else 199.0
    subscriber_id = f"S{number:08d}"
    return {
        "contact_id": f"{day:%Y%m%d}-{campaign_id}-{subscriber_id}",
        "campaign_id": campaign_id,
        "subscriber_id": subscriber_id,
        "arm": tables.TREATMENT if channel else tables.CONTROL,
        "channel": channel,
        "store_id": f"ST{number % 7:03d}",
        "offer_package_id": PACKAGE[campaign_id],
        "offer_fee_yuan": fee,
        "offer_fee_change_yuan": None if arpu is None else fee - arpu,
        "arpu_3m_yuan": arpu,
        "success_within_days": 7,
        "window_end_date": day + timedelta(days=7),
    }


def _assignments(day: date) -> list[dict]:
    """Two campaigns, 30% control: one offers what its subscribers pay, one a 199-yuan flagship
    to 30-60 yuan subscribers; 500 subscribers are in both; one row has no ARPU (null row)."""
    if day == EARLY:
        return [_assignment(day, FIT, n, "app", 55.0) for n in range(9001, 9301)]
    rows = []
    for n in range(1, SUBJECTS + 1):
        channel = None if n % 10 < 3 else ("retail_counter" if n % 4 == 0 else "outbound_call")
        rows.append(_assignment(day, FIT, n, channel, 58.0 + (n % 21 - 10)))
    for n in range(2001, 2001 + SUBJECTS):
        channel = None if n % 10 < 3 else ("retail_counter" if n % 4 == 0 else "sms")
        rows.append(_assignment(day, FLAGSHIP, n, channel, 30.0 + n % 31))
    rows[3] = _assignment(day, FIT, 4, "outbound_call", None)
    return rows


def _write_contacts(layout: DataLayout, day: date, rows: list[dict]) -> None:
    folder = layout.mart / tables.CONTACTS / f"business_date={day.isoformat()}"
    folder.mkdir(parents=True)
    frame = {column: [row.get(column) for row in rows] for column in tables.CONTACT_COLUMNS}
    pq.write_table(pa.table(frame), folder / "part-00000.parquet")


def _msisdn(subscriber_id: str) -> str:
    return f"138{subscriber_id[-8:]}"


def _write_exports(layout: DataLayout, day: date, rows: list[dict]) -> None:
    treated = [row for row in rows if row["arm"] == tables.TREATMENT]
    for channel in ("outbound_call", "sms", "app"):
        records = [
            {"contact_id": r["contact_id"], "campaign_id": r["campaign_id"], "subscriber_id": r["subscriber_id"],
             "msisdn": _msisdn(r["subscriber_id"])}
            for r in treated if r["channel"] == channel
        ]  # fmt: skip
        extra = {
            "outbound_call": {"city": None, "priority": 5, "offer_package_id": None, "script": None, "reason": None},
            "sms": {"template_id": "T1", "parameters": None},
            "app": {"offer_package_id": None, "offer_name": None, "message": None},
        }[channel]
        _publish(layout, channel, day, [{**record, **extra} for record in records])
    by_subscriber: dict[str, list[dict]] = {}
    for row in treated:
        if row["channel"] == "retail_counter":
            by_subscriber.setdefault(row["subscriber_id"], []).append(row)
    retail = [
        {"subscriber_id": s, "msisdn": _msisdn(s), "city": None, "store_id": rs[0]["store_id"],
         "contact_ids": [r["contact_id"] for r in rs], "campaign_ids": [r["campaign_id"] for r in rs],
         "open_tasks": [], "recommended_package_id": None, "recommended_package_name": None,
         "recommended_monthly_fee_yuan": None, "expected_monthly_change_yuan": None, "script": None,
         "last_retention_date": None, "last_retention_task_code": None, "last_retention_outcome": None}
        for s, rs in by_subscriber.items()
    ]  # fmt: skip
    _publish(layout, "retail_counter", day, retail)


def _publish(layout: DataLayout, channel: str, day: date, records: list[dict]) -> None:
    if records:
        write_channel_export(
            layout,
            channel,
            day,
            pd.DataFrame(records),
            config_hash="test",
            model_versions={},
            restricted_subscriber_ids=frozenset({RESTRICTED}),
        )


def _world(root: Path) -> DataLayout:
    layout = DataLayout(root)
    for day in (EARLY, DAY):
        rows = _assignments(day)
        _write_contacts(layout, day, rows)
        _write_exports(layout, day, rows)
    return layout


def _read(layout: DataLayout, source: str, table: str, day: date, encoding: str = "utf-8") -> list[list[str]]:
    """The rows of a landed table-date, after checking each part against its control file."""
    folder = layout.landing_dir(source, day)
    rows = []
    for entry in read_control_file(folder / f"{table}_{day:%Y%m%d}.ctl"):
        data = (folder / entry.file_name).read_bytes()
        assert (len(data), hashlib.md5(data).hexdigest()) == (entry.byte_size, entry.md5)
        text = gzip.decompress(data).decode(encoding)
        assert text.count("\n") == entry.row_count
        rows += [line.split("|") for line in text.split("\n")[:-1]]
    return rows


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    layout = _world(tmp_path_factory.mktemp("simulated"))
    summary = simulate_day(layout, DAY)
    return layout, summary


def test_results_follow_the_exports_and_the_funnel(simulated):
    layout, summary = simulated
    results = _read(layout, "channel", "CHANNEL_RESULT", NEXT)
    rows = _assignments(DAY)
    control = {r["contact_id"] for r in rows if r["arm"] == tables.CONTROL}
    treated = {r["contact_id"] for r in rows if r["arm"] == tables.TREATMENT}
    assert all(len(r) == 7 for r in results)
    assert not control & {r[0] for r in results}
    by_contact: dict[str, list[str]] = {}
    for contact_id, result, *_ in results:
        by_contact.setdefault(contact_id, []).append(result)
    restricted = f"{DAY:%Y%m%d}-{FIT}-{RESTRICTED}"
    assert restricted not in by_contact
    assert {c for c in treated if "sent" in by_contact.get(c, [])} == treated - {restricted}
    for contact_id in treated - {restricted}:
        stages = list(dict.fromkeys(by_contact[contact_id]))  # defects may repeat a row
        assert stages in FUNNELS, f"{contact_id}: {stages}"
    assert all(r[5].startswith(f"{NEXT:%Y%m%d}") and len(r[5]) == 14 for r in results if r[0] in treated)
    assert summary.exported_contacts == len(treated) - 1
    assert set(summary.results) == {"outbound_call", "sms", "retail_counter"}


def test_a_store_visit_serves_every_task_of_the_subscriber(simulated):
    layout, _ = simulated
    reached: dict[str, list[str]] = {}
    for contact_id, result, _, subscriber_id, channel, *_ in _read(layout, "channel", "CHANNEL_RESULT", NEXT):
        if channel == "retail_counter" and result == "reached":
            reached.setdefault(subscriber_id, []).append(contact_id)
    tasks: dict[str, int] = {}
    for row in _assignments(DAY):
        if row["channel"] == "retail_counter":
            tasks[row["subscriber_id"]] = tasks.get(row["subscriber_id"], 0) + 1
    two_tasks = [s for s, n in tasks.items() if n == 2]
    assert two_tasks and any(s in reached for s in two_tasks)
    assert all(len(set(reached[s])) == 2 for s in two_tasks if s in reached)


def test_orders_complaints_and_the_summary(simulated):
    layout, summary = simulated
    results = _read(layout, "channel", "CHANNEL_RESULT", NEXT)
    orders = _read(layout, "crm", "CRM_PRODUCT_ORDER", NEXT, "gbk")
    complaints = _read(layout, "crm", "CRM_COMPLAINT", NEXT, "gbk")
    accepted = {(r[3], r[2]) for r in results if r[1] == "accepted"}
    channel_orders = [o for o in orders if o[5] != "hotline"]
    assert len(channel_orders) == len(accepted) == summary.accepted_orders > 0
    assert all(o[3] == "order" and o[4].startswith(f"{NEXT:%Y%m%d}") for o in orders)
    assert all(o[6].startswith("ST") for o in orders if o[5] == "retail_counter")
    assert all(o[6] == "" for o in orders if o[5] != "retail_counter")
    assert len({o[0] for o in orders}) == len(orders) and orders[0][0] == f"SIMOD{NEXT:%Y%m%d}000001"
    assert sum(summary.orders.values()) == len(orders)
    complained = sorted((r[3], r[4]) for r in results if r[1] == "complained")
    assert sorted((c[1], c[4]) for c in complaints) == complained and complained
    assert {c[3] for c in complaints} == {"marketing_disturbance"} and summary.complaints == len(complaints)
    text = format_simulation_summary(summary)
    assert "outbound_call: sent" in text and f"orders: {summary.orders['treatment']:,} treatment" in text


def test_orders_follow_the_offer_fit_over_the_window(tmp_path):
    layout = _world(tmp_path)
    orders = []
    for offset in range(8):
        simulate_day(layout, DAY + timedelta(days=offset))
        orders += _read(layout, "crm", "CRM_PRODUCT_ORDER", NEXT + timedelta(days=offset), "gbk")
    ordered = [(o[1], o[2]) for o in orders]
    assert len(ordered) == len(set(ordered)), "a subject orders at most once per campaign"
    rows = [r for r in _assignments(DAY) if r["subscriber_id"] != RESTRICTED]
    rate = {}
    for campaign_id in (FIT, FLAGSHIP):
        for arm in (tables.TREATMENT, tables.CONTROL):
            subjects = {
                (r["subscriber_id"], PACKAGE[campaign_id])
                for r in rows
                if (r["campaign_id"], r["arm"]) == (campaign_id, arm)
            }
            rate[campaign_id, arm] = len(subjects & set(ordered)) / len(subjects)
    assert 0.01 < rate[FIT, tables.CONTROL] < 0.06 and 0.01 < rate[FLAGSHIP, tables.CONTROL] < 0.06
    assert rate[FIT, tables.TREATMENT] - rate[FIT, tables.CONTROL] > 0.025
    assert abs(rate[FLAGSHIP, tables.TREATMENT] - rate[FLAGSHIP, tables.CONTROL]) < 0.03


def test_a_rerun_writes_the_same_bytes(tmp_path):
    layout = _world(tmp_path)
    first = simulate_day(layout, DAY)
    written = {path: path.read_bytes() for path in (*first.paths, first.truth_path)}
    second = simulate_day(layout, DAY)
    assert second == first
    assert {path: path.read_bytes() for path in written} == written
    assert len(first.paths) == 6 and all(path.is_file() for path in first.paths)


def test_defects_for_the_feedback_quarantine(tmp_path):
    layout = _world(tmp_path)
    summary = simulate_day(layout, DAY, defect_rate=0.05)
    results = _read(layout, "channel", "CHANNEL_RESULT", NEXT)
    counts = pd.Series([(r[0], r[1]) for r in results]).value_counts()
    assert summary.defects["duplicate_result"] == int((counts > 1).sum()) > 0
    unknown = [r for r in results if r[0].startswith("19700101-")]
    assert len(unknown) == summary.defects["unknown_contact"] > 0
    late = [r for r in results if r[0].startswith(f"{EARLY:%Y%m%d}-")]
    assert len(late) == summary.defects["late_result"] > 0
    assert all(r[5].startswith(f"{EARLY + timedelta(days=1):%Y%m%d}") for r in late)
    assert simulation_truth_path(layout, NEXT).is_file()


def test_crm_files_of_the_generator_are_not_overwritten(tmp_path):
    layout = _world(tmp_path)
    folder = layout.landing_dir("crm", NEXT)
    folder.mkdir(parents=True)
    foreign = folder / f"CRM_PRODUCT_ORDER_{NEXT:%Y%m%d}.ctl"
    foreign.write_text("file_name|row_count|byte_size|md5\n", encoding="utf-8")
    with pytest.raises(SimulationError, match=str(folder)):
        simulate_day(layout, DAY)
    assert foreign.read_text(encoding="utf-8") == "file_name|row_count|byte_size|md5\n"
    assert not (layout.landing_dir("channel", NEXT)).exists()


def test_fit_uplift():
    assert fit_uplift(0.0, 58.0) == pytest.approx(0.12)
    assert fit_uplift(-20.0, 58.0) == pytest.approx(0.12)
    assert fit_uplift(159.0, 40.0) == 0.0
    assert fit_uplift(None, None) == pytest.approx(0.12)
    assert 0 < fit_uplift(10.0, 50.0) < 0.12


def test_a_defect_rate_of_one_or_more_is_refused(tmp_path):
    with pytest.raises(ValueError, match="defect_rate"):
        simulate_day(DataLayout(tmp_path), DAY, defect_rate=1.0)
    assert not (tmp_path / "landing").exists()
