"""The rule tasks on tiny frames: each sub-task, its edges (month ends, leap days), and who never qualifies."""

from __future__ import annotations

from datetime import date

import pytest

from telco_mart.tasks import rules
from telco_mart.tasks.config import load_task_config

SUBSCRIBER_SCHEMA = (
    "subscriber_id string, msisdn_masked string, status string, network_generation string, generation_rank int, "
    "sim_type string, contract_kind string, contract_status string, contract_end_date date, "
    "is_terminal_matched boolean, terminal_max_generation string, terminal_max_generation_rank double, "
    "terminal_brand string, terminal_model string, tac string, is_high_value_listed boolean, arpu_3m_yuan double"
)
DEFAULTS = {
    "msisdn_masked": "138****0000",
    "status": "active",
    "network_generation": "4G",
    "generation_rank": 4,
    "sim_type": "USIM",
    "contract_kind": None,
    "contract_status": None,
    "contract_end_date": None,
    "is_terminal_matched": True,
    "terminal_max_generation": "4G",
    "terminal_max_generation_rank": 4.0,
    "terminal_brand": "华为",
    "terminal_model": "P60",
    "tac": "86000001",
    "is_high_value_listed": False,
    "arpu_3m_yuan": 60.0,
}
COLUMNS = [c.split()[0] for c in SUBSCRIBER_SCHEMA.split(", ")]


@pytest.fixture(scope="module")
def config():
    return load_task_config()


def subscribers(spark, *rows: dict):
    """A dim_subscriber-shaped frame: each row is the defaults with the given changes."""
    return spark.createDataFrame([tuple({**DEFAULTS, **row}[c] for c in COLUMNS) for row in rows], SUBSCRIBER_SCHEMA)


def hits(frame) -> set[tuple[str, str]]:
    return {(r["subscriber_id"], r["task_code"]) for r in frame.collect()}


def contract(subscriber_id: str, end: date, status: str = "active", kind: str = "deposit_gets_handset") -> dict:
    return {"subscriber_id": subscriber_id, "contract_kind": kind, "contract_status": status, "contract_end_date": end}


def test_renewal_windows_on_a_leap_day(spark, config):
    day = date(2024, 2, 29)
    frame = subscribers(
        spark,
        contract("ends_in_3", date(2024, 5, 31)),
        contract("ends_in_2", date(2024, 4, 1)),
        contract("ends_next_month", date(2024, 3, 1)),
        contract("ends_today", date(2024, 2, 29)),
        contract("ended_in_january", date(2024, 1, 31), status="ended"),
        contract("card_only", date(2023, 12, 31), status="ended"),
        contract("ended_but_still_active_status", date(2023, 12, 31), status="active"),
        contract("ends_in_4", date(2024, 6, 1)),
        contract("ended_3_months_ago", date(2023, 11, 30), status="ended"),
        contract("renewed", date(2024, 3, 31), status="renewed"),
        contract("closed", date(2024, 3, 31)) | {"status": "closed"},
        contract("other_kind", date(2024, 3, 31), kind="something_else"),
        {"subscriber_id": "no_contract"},
    )
    assert hits(rules.contract_renewal_targets(frame, day, config)) == {
        ("ends_in_3", "renewal_3m_before"),
        ("ends_in_2", "renewal_3m_before"),
        ("ends_next_month", "renewal_1m_before"),
        ("ends_today", "renewal_expiry_month"),
        ("ended_in_january", "renewal_month_after"),
        ("card_only", "renewal_card_only"),
    }


def test_renewal_month_boundaries_count_calendar_months(spark, config):
    # Calendar months, not days: on 31 January a contract ending the next day ends "next month";
    # on 1 March a contract that ended on 31 January ended two calendar months ago.
    frame = subscribers(spark, contract("feb_1", date(2025, 2, 1)), contract("jan_31", date(2025, 1, 31), "ended"))
    assert hits(rules.contract_renewal_targets(frame, date(2025, 1, 31), config)) == {
        ("feb_1", "renewal_1m_before"),
        ("jan_31", "renewal_expiry_month"),
    }
    assert hits(rules.contract_renewal_targets(frame, date(2025, 3, 1), config)) == {
        ("feb_1", "renewal_month_after"),
        ("jan_31", "renewal_card_only"),
    }


def test_renewal_reason_names_the_date_and_months(spark, config):
    frame = subscribers(spark, contract("a", date(2024, 5, 31), kind="deposit_gets_credit"))
    row = rules.contract_renewal_targets(frame, date(2024, 2, 29), config).first()
    assert "2024-05-31" in row["reason_en"] and "in 3 month(s)" in row["reason_en"]
    assert "存费送费" in row["reason_zh"] and "3个月" in row["reason_zh"]
    assert "contract_months_to_end_3" in row["reason_codes"]
    assert row["score"] == 60.0 and row["score_kind"] == "arpu_3m_yuan"


def test_sim_change_only_open_non_usim_lines(spark, config):
    frame = subscribers(
        spark,
        {"subscriber_id": "sim", "sim_type": "SIM"},
        {"subscriber_id": "suspended_sim", "sim_type": "SIM", "status": "suspended"},
        {"subscriber_id": "closed_sim", "sim_type": "SIM", "status": "closed"},
        {"subscriber_id": "usim"},
    )
    assert hits(rules.sim_change_targets(frame, config)) == {
        ("sim", "migration_sim_change"),
        ("suspended_sim", "migration_sim_change"),
    }


def test_capable_handset_needs_a_matched_capable_terminal_and_an_older_line(spark, config):
    legacy = {"network_generation": "3G", "generation_rank": 3}
    frame = subscribers(
        spark,
        {"subscriber_id": "capable_3g", **legacy},
        {
            "subscriber_id": "capable_2g_5g_phone",
            "network_generation": "2G",
            "generation_rank": 2,
            "terminal_max_generation": "5G",
            "terminal_max_generation_rank": 5.0,
        },
        {"subscriber_id": "old_phone", **legacy, "terminal_max_generation": "3G", "terminal_max_generation_rank": 3.0},
        {
            "subscriber_id": "unknown_tac",
            **legacy,
            "is_terminal_matched": False,
            "terminal_max_generation_rank": None,
            "tac": "99999999",
        },
        {
            "subscriber_id": "no_handset",
            **legacy,
            "is_terminal_matched": None,
            "terminal_max_generation_rank": None,
            "tac": None,
        },
        {"subscriber_id": "already_4g"},
    )
    assert hits(rules.capable_handset_targets(frame, config)) == {
        ("capable_3g", "migration_capable_handset"),
        ("capable_2g_5g_phone", "migration_capable_handset"),
    }
    unknown = {(r["tac"], r["subscribers"]) for r in rules.unmatched_handsets(frame, config).collect()}
    assert unknown == {("99999999", 1), ("(no handset seen)", 1)}


def test_target_generation_is_configuration(spark, config):
    """4G-to-5G: the same code with the target generation changed."""
    from dataclasses import replace

    five_g = replace(config, target_generation="5G")
    frame = subscribers(
        spark,
        {"subscriber_id": "4g_line_5g_phone", "terminal_max_generation": "5G", "terminal_max_generation_rank": 5.0},
        {"subscriber_id": "4g_line_4g_phone"},
    )
    assert hits(rules.capable_handset_targets(frame, five_g)) == {("4g_line_5g_phone", "migration_capable_handset")}
    assert "supports 5G" in rules.capable_handset_targets(frame, five_g).first()["reason_en"]


def retention(spark, *rows):
    return spark.createDataFrame(
        list(rows),
        "contact_id string, subscriber_id string, task_code string, channel_type string, "
        "retention_outcome string, contact_date date",
    )


def test_high_value_refreshed_with_arpu_and_previous_results(spark, config):
    day = date(2026, 11, 30)
    listed = {"is_high_value_listed": True}
    frame = subscribers(
        spark,
        {"subscriber_id": "4g_listed", **listed},
        {"subscriber_id": "2g_rich", **listed, "network_generation": "2G", "generation_rank": 2, "arpu_3m_yuan": 50.01},
        {
            "subscriber_id": "2g_at_floor",
            **listed,
            "network_generation": "2G",
            "generation_rank": 2,
            "arpu_3m_yuan": 50.0,
        },
        {"subscriber_id": "retained_lately", **listed},
        {"subscriber_id": "retained_long_ago", **listed},
        {"subscriber_id": "refused_lately", **listed},
        {"subscriber_id": "not_listed"},
        {"subscriber_id": "closed", **listed, "status": "closed"},
    )
    results = retention(
        spark,
        ("c1", "retained_lately", "high_value_reminder", "outbound_call", "retained", date(2026, 11, 20)),
        ("c2", "retained_long_ago", "high_value_reminder", "outbound_call", "retained", date(2026, 9, 1)),
        ("c3", "refused_lately", "high_value_reminder", "sms", "refused", date(2026, 11, 29)),
        ("c4", "refused_lately", "high_value_reminder", "sms", "retained", date(2026, 12, 5)),  # after D: unseen
    )
    last = rules.last_retention_results(results, day)
    targets = rules.high_value_targets(frame, last, day, config)
    assert hits(targets) == {
        (s, "high_value_reminder") for s in ("4g_listed", "2g_rich", "retained_long_ago", "refused_lately")
    }
    refused = targets.where("subscriber_id = 'refused_lately'").first()
    assert "refused" in refused["reason_en"] and "previous_retention_refused" in refused["reason_codes"]


def test_churn_warning_strictly_above_half(spark, config):
    frame = subscribers(
        spark,
        {"subscriber_id": "over"},
        {"subscriber_id": "half"},
        {"subscriber_id": "closed", "status": "closed"},
        {"subscriber_id": "no_voice"},
    )
    usage = spark.createDataFrame(
        [
            ("over", 0.51, 51, 100, "2026-11"),
            ("half", 0.5, 50, 100, "2026-11"),
            ("closed", 0.9, 90, 100, "2026-11"),
            ("no_voice", None, 0, 0, "2026-11"),
        ],
        "subscriber_id string, forwarded_minutes_share double, forwarded_to_other_network_minutes long, "
        "voice_minutes long, billing_month string",
    )
    targets = rules.churn_warning_targets(frame, usage, config)
    assert hits(targets) == {("over", "churn_forwarding_over_half")}
    row = targets.first()
    assert row["score"] == pytest.approx(0.51) and "In 2026-11, 51.0% of voice minutes (51 of 100)" in row["reason_en"]
