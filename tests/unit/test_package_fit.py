"""Package fit on hand-made frames: the simulated bill, the stated rule's branches, who is a target,
the usage window and the reason sentences. The figures in the comments are worked out by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from pyspark.sql.types import (
    BooleanType,
    DateType,
    DecimalType,
    IntegerType,
    LongType,
    StringType,
    StructField,
    StructType,
)

from telco_mart.tasks.config import PackageFitRule, load_task_config
from telco_mart.tasks.package_fit import (
    PACKAGE_FIT_COLUMNS,
    count_targets_without_usage,
    recommend_packages,
    recommend_packages_for,
    targets_without_usage,
)

LAST = date(2026, 11, 1)
WINDOW = (date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1))

SUBSCRIBER_SCHEMA = StructType(
    [
        StructField("subscriber_id", StringType()),
        StructField("network_generation", StringType()),
        StructField("status", StringType()),
    ]
)
PACKAGE_SCHEMA = StructType(
    [
        StructField("package_id", StringType()),
        StructField("package_name", StringType()),
        StructField("network_generation", StringType()),
        StructField("package_scope", StringType()),
        StructField("monthly_fee_yuan", DecimalType(10, 2)),
        StructField("voice_minutes_included", IntegerType()),
        StructField("data_mb_included", LongType()),
        StructField("sms_included", IntegerType()),
        StructField("voice_overage_yuan_per_minute", DecimalType(8, 4)),
        StructField("data_overage_yuan_per_mb", DecimalType(8, 4)),
        StructField("sms_overage_yuan_per_message", DecimalType(8, 4)),
        StructField("is_on_sale", BooleanType()),
    ]
)


def usage_schema(month_type=None) -> StructType:
    return StructType(
        [
            StructField("subscriber_id", StringType()),
            StructField("package_id", StringType()),
            StructField("total_fee_yuan", DecimalType(12, 2)),
            StructField("voice_minutes", LongType()),
            StructField("data_mb", LongType()),
            StructField("sms_count", LongType()),
            StructField("billing_month", month_type or DateType()),
        ]
    )


@pytest.fixture(scope="module")
def config():
    return load_task_config()


def package(
    package_id,
    fee,
    voice,
    data,
    sms,
    *,
    scope="national",
    generation="4G",
    on_sale=True,
    rates=("0.15", "0.005", "0.10"),
    name=None,
):
    """A catalogue row; the name defaults to the operator's style (4G全国套餐58元)."""
    scope_zh = "全国" if scope == "national" else "本地"
    return (
        package_id,
        name or f"{generation}{scope_zh}套餐{fee}元",
        generation,
        scope,
        Decimal(str(fee)),
        voice,
        data,
        sms,
        *(Decimal(rate) for rate in rates),
        on_sale,
    )


def bill(subscriber_id, month, fee, voice, data, sms):
    """A monthly usage row: the actual bill ``fee`` and the month's use."""
    return (subscriber_id, "PK2L028", Decimal(str(fee)), voice, data, sms, month)


def frames(spark, subscribers, usage, packages, month_type=None):
    return (
        spark.createDataFrame(subscribers, SUBSCRIBER_SCHEMA),
        spark.createDataFrame(usage, usage_schema(month_type)),
        spark.createDataFrame(packages, PACKAGE_SCHEMA),
    )


def run(spark, config, subscribers, usage, packages, last=LAST):
    """Recommendations keyed by subscriber id."""
    subs, use, pkgs = frames(spark, subscribers, usage, packages)
    rows = recommend_packages(subs, use, pkgs, last_bill_month=last, config=config).collect()
    return {row["subscriber_id"]: row.asDict() for row in rows}


def same_use(subscriber_id, fee, voice, data, sms, months=WINDOW):
    return [bill(subscriber_id, month, fee, voice, data, sms) for month in months]


# The two packages of the bill arithmetic, each with its own overage prices.
PACKAGE_A = package("PK4L038", 38, 200, 4096, 50, scope="local", rates=("0.15", "0.005", "0.10"))
PACKAGE_B = package("PK4N058", 58, 300, 1024, 100, rates=("0.20", "0.01", "0.05"))
# September: 50 minutes over A; October: data over both; November: SMS over both.
ARITHMETIC_USAGE = [
    bill("S2", date(2026, 9, 1), 40, 250, 1000, 20),
    bill("S2", date(2026, 10, 1), 40, 100, 5120, 30),
    bill("S2", date(2026, 11, 1), 40, 120, 500, 130),
]


@pytest.mark.parametrize(
    ("month", "catalogue", "expected_bill", "expected_covered"),
    [
        (date(2026, 9, 1), PACKAGE_A, 45.50, 0),  # 38 + (250-200)*0.15
        (date(2026, 10, 1), PACKAGE_A, 43.12, 0),  # 38 + (5120-4096)*0.005
        (date(2026, 11, 1), PACKAGE_A, 46.00, 0),  # 38 + (130-50)*0.10
        (date(2026, 9, 1), PACKAGE_B, 58.00, 1),  # within every allowance of B
        (date(2026, 10, 1), PACKAGE_B, 98.96, 0),  # 58 + (5120-1024)*0.01
        (date(2026, 11, 1), PACKAGE_B, 59.50, 0),  # 58 + (130-100)*0.05
    ],
)
def test_simulated_bill_of_one_month_adds_each_overage(
    spark, config, month, catalogue, expected_bill, expected_covered
):
    one_month = replace(config, package_fit=replace(config.package_fit, usage_months=1))
    result = run(spark, one_month, [("S2", "2G", "active")], ARITHMETIC_USAGE, [catalogue], last=month)["S2"]
    assert result["recommended_package_id"] == catalogue[0]
    assert result["months_used"] == 1
    assert result["average_package_bill_yuan"] == expected_bill
    assert result["covered_months"] == expected_covered
    assert result["average_actual_bill_yuan"] == 40.0
    assert result["expected_monthly_change_yuan"] == round(expected_bill - 40.0, 2)


def test_three_month_average_of_the_simulated_bills(spark, config):
    subscribers = [("S2", "2G", "active")]
    # A: (45.50 + 43.12 + 46.00) / 3 = 44.873; B: (58.00 + 98.96 + 59.50) / 3 = 72.153.
    only_a = run(spark, config, subscribers, ARITHMETIC_USAGE, [PACKAGE_A])["S2"]
    assert (only_a["average_package_bill_yuan"], only_a["covered_months"]) == (44.87, 0)
    assert only_a["expected_monthly_change_yuan"] == 4.87
    only_b = run(spark, config, subscribers, ARITHMETIC_USAGE, [PACKAGE_B])["S2"]
    assert (only_b["average_package_bill_yuan"], only_b["covered_months"]) == (72.15, 1)
    # Neither covers 90% of the months; both are above the floor (0.8 x 40 = 32): B covers more.
    both = run(spark, config, subscribers, ARITHMETIC_USAGE, [PACKAGE_A, PACKAGE_B])["S2"]
    assert both["recommended_package_id"] == "PK4N058"
    assert both["fit_reason_code"] == "no_package_covers_usage"


def test_the_cheapest_package_covering_every_month_is_recommended(spark, config):
    # An average bill of 45: the floor (36) lets every package below through.
    usage = same_use("S2", 45, 180, 3000, 40)
    usage[2] = bill("S2", date(2026, 11, 1), 45, 230, 3000, 40)  # November: 30 minutes over 200
    catalogue = [
        # Covers 2 of 3 months (67% < 90%) although its average bill (38 + 4.50/3 = 39.50) is lowest.
        package("PK4N038", 38, 200, 4096, 50),
        package("PK4N058", 58, 300, 10240, 100),
        package("PK4N078", 78, 300, 15360, 100),
    ]
    result = run(spark, config, [("S2", "2G", "active")], usage, catalogue)["S2"]
    assert result["recommended_package_id"] == "PK4N058"
    assert result["fit_reason_code"] == "fits_usage"
    assert (result["covered_months"], result["months_used"]) == (3, 3)
    assert result["average_package_bill_yuan"] == 58.0
    # With a configured share of 60%, two covered months of three are enough.
    lenient = replace(config, package_fit=replace(config.package_fit, min_covered_share=0.6))
    result = run(spark, lenient, [("S2", "2G", "active")], usage, catalogue)["S2"]
    assert result["recommended_package_id"] == "PK4N038"
    assert result["fit_reason_code"] == "fits_usage"
    assert result["average_package_bill_yuan"] == 39.5


def test_revenue_floor_excludes_a_package_too_cheap_for_the_subscriber(spark, config):
    catalogue = [package("PK4N058", 58, 300, 10240, 100), package("PK4N098", 98, 500, 20480, 100)]
    light_use = (100, 1000, 10)
    # Average bill 100: the floor is 80, so the 58-yuan package, which covers the use, is out.
    result = run(spark, config, [("S1", "2G", "active")], same_use("S1", 100, *light_use), catalogue)["S1"]
    assert (result["recommended_package_id"], result["fit_reason_code"]) == ("PK4N098", "fits_usage")
    assert result["expected_monthly_change_yuan"] == -2.0
    # Average bill 72.50: the floor is exactly 58.00, and a fee equal to the floor is allowed.
    result = run(spark, config, [("S1", "2G", "active")], same_use("S1", "72.50", *light_use), catalogue)["S1"]
    assert (result["recommended_package_id"], result["fit_reason_code"]) == ("PK4N058", "fits_usage")
    # Average bill 72.51: the floor is 58.01, one cent above the 58-yuan fee.
    result = run(spark, config, [("S1", "2G", "active")], same_use("S1", "72.51", *light_use), catalogue)["S1"]
    assert result["recommended_package_id"] == "PK4N098"


def test_fallback_prefers_the_highest_covered_share_above_the_floor(spark, config):
    usage = [
        bill("S3", date(2026, 9, 1), 90, 450, 5000, 50),
        bill("S3", date(2026, 10, 1), 90, 450, 5000, 50),
        bill("S3", date(2026, 11, 1), 90, 650, 5000, 50),
    ]
    catalogue = [
        # Covers 2 of 3; average (78 + 78 + 78 + 150*0.15) / 3 = 85.50.
        package("PK4N078", 78, 500, 15360, 100),
        # Covers 0 of 3 but is cheaper on average: 72 + (10 + 10 + 210) * 0.01 / 3 = 72.77.
        package("PK4N072", 72, 440, 15360, 100, rates=("0.01", "0.005", "0.10")),
        # Covers all 3 months but its fee is below the floor (0.8 x 90 = 72): not a candidate here.
        package("PK4N070", 70, 1000, 15360, 100),
    ]
    result = run(spark, config, [("S3", "3G", "active")], usage, catalogue)["S3"]
    assert result["fit_reason_code"] == "no_package_covers_usage"
    assert result["recommended_package_id"] == "PK4N078"
    assert (result["covered_months"], result["average_package_bill_yuan"]) == (2, 85.5)
    assert "no 4G package open to you covered your use often enough" in result["reason_en"]
    assert "最接近的是4G全国套餐78元" in result["reason_zh"]


def test_fallback_below_the_floor_takes_the_cheapest_simulated_bill(spark, config):
    # Average bill 300: the floor is 240 and every package is below it.
    usage = same_use("S4", 300, 600, 12000, 100)
    catalogue = [
        package("PK4N098", 98, 500, 20480, 100),  # 98 + 100*0.15 = 113.00
        package("PK4N128", 128, 700, 30720, 100),  # covers: 128.00
        package("PK4L048", 48, 300, 6144, 100, scope="local"),  # 48 + 45 + 29.28 = 122.28
    ]
    result = run(spark, config, [("S4", "2G", "suspended")], usage, catalogue)["S4"]
    assert result["fit_reason_code"] == "below_revenue_floor"
    assert result["recommended_package_id"] == "PK4N098"
    assert result["average_package_bill_yuan"] == 113.0
    assert result["expected_monthly_change_yuan"] == -187.0
    assert "240.00" in result["reason_en"] and "240.00" in result["reason_zh"]
    assert "80%" in result["reason_en"] and "80%" in result["reason_zh"]


def test_ties_go_to_the_lower_fee_then_the_package_id(spark, config):
    usage = same_use("S5", 200, 210, 1000, 10)
    catalogue = [
        package("PK4N038", 38, 200, 4096, 50, rates=("2.00", "0.005", "0.10")),  # 38 + 10*2 = 58.00, lower fee
        package("PK4N058B", 58, 300, 10240, 100),  # 58.00, covered
        package("PK4N058A", 58, 300, 10240, 100),  # 58.00, covered
    ]
    # Below the floor (160): the cheapest average bill, 58.00 three times over; the lower fee wins.
    result = run(spark, config, [("S5", "2G", "active")], usage, catalogue)["S5"]
    assert (result["recommended_package_id"], result["fit_reason_code"]) == ("PK4N038", "below_revenue_floor")
    # Eligible packages of equal bill and fee: the lower package id.
    result = run(spark, config, [("S5", "2G", "active")], same_use("S5", 60, 210, 1000, 10), catalogue)["S5"]
    assert (result["recommended_package_id"], result["fit_reason_code"]) == ("PK4N058A", "fits_usage")


def test_a_3g_subscriber_gets_national_packages_only_and_a_2g_subscriber_local_too(spark, config):
    subscribers = [("S2G", "2G", "active"), ("S3G", "3G", "active")]
    usage = same_use("S2G", 40, 150, 1500, 20) + same_use("S3G", 40, 150, 1500, 20)
    catalogue = [package("PK4L038", 38, 200, 4096, 50, scope="local"), package("PK4N058", 58, 300, 10240, 100)]
    result = run(spark, config, subscribers, usage, catalogue)
    assert result["S2G"]["recommended_package_id"] == "PK4L038"
    assert result["S2G"]["task_code"] == "migration_package_fit_2g"
    assert result["S3G"]["recommended_package_id"] == "PK4N058"
    assert result["S3G"]["task_code"] == "migration_package_fit_3g"
    assert result["S3G"]["current_generation"] == "3G"
    # A 3G subscriber offered only local packages gets no recommendation at all.
    only_local = run(spark, config, subscribers, usage, [catalogue[0]])
    assert set(only_local) == {"S2G"}


def test_off_sale_and_other_generation_packages_are_never_recommended(spark, config):
    usage = same_use("S2", 40, 150, 1500, 20)
    catalogue = [
        package("PK4N038", 38, 200, 4096, 50, on_sale=False),
        package("PK3N036", 36, 200, 4096, 50, generation="3G"),
        package("PK5N035", 35, 200, 4096, 50, generation="5G"),
        package("PK4N078", 78, 300, 15360, 100),
    ]
    result = run(spark, config, [("S2", "2G", "active")], usage, catalogue)["S2"]
    assert result["recommended_package_id"] == "PK4N078"
    assert result["recommended_monthly_fee_yuan"] == 78.0
    # The target generation decides the candidates: with 5G as the target, the 5G package is one.
    five_g = replace(config, target_generation="5G")
    result = run(spark, five_g, [("S2", "2G", "active")], usage, catalogue)["S2"]
    assert result["recommended_package_id"] == "PK5N035"


def test_a_subscriber_with_two_of_three_months_is_judged_on_those_two(spark, config):
    usage = [bill("S6", date(2026, 9, 1), 50, 150, 1500, 20), bill("S6", date(2026, 11, 1), 50, 150, 1500, 20)]
    usage += [bill("S7", date(2026, 10, 1), 50, 150, 1500, 20), bill("S7", date(2026, 11, 1), 50, 250, 1500, 20)]
    catalogue = [package("PK4N058", 58, 200, 10240, 100)]
    result = run(spark, config, [("S6", "2G", "active"), ("S7", "2G", "active")], usage, catalogue)
    assert (result["S6"]["months_used"], result["S6"]["covered_months"]) == (2, 2)
    assert result["S6"]["fit_reason_code"] == "fits_usage"
    assert result["S6"]["reason_en"].startswith("Over the last 3 months (2 with a bill) you paid 50.00 yuan")
    assert "有账单的2个月" in result["S6"]["reason_zh"]
    # One covered month of two is 50%, below 90%.
    assert (result["S7"]["months_used"], result["S7"]["covered_months"]) == (2, 1)
    assert result["S7"]["fit_reason_code"] == "no_package_covers_usage"
    assert result["S7"]["average_package_bill_yuan"] == 61.75  # (58 + 58 + 50*0.15) / 2


def test_closed_4g_and_unbilled_subscribers_get_no_row(spark, config):
    subscribers = [
        ("S_OPEN", "2G", "active"),
        ("S_CLOSED", "2G", "closed"),
        ("S_4G", "4G", "active"),
        ("S_NO_BILL", "3G", "active"),
        ("S_OLD_BILL", "3G", "suspended"),
    ]
    usage = (
        same_use("S_OPEN", 40, 150, 1500, 20)
        + same_use("S_CLOSED", 40, 150, 1500, 20)
        + same_use("S_4G", 40, 150, 1500, 20)
        + [bill("S_OLD_BILL", date(2026, 8, 1), 40, 150, 1500, 20)]
    )
    catalogue = [package("PK4N058", 58, 300, 10240, 100)]
    assert set(run(spark, config, subscribers, usage, catalogue)) == {"S_OPEN"}
    subs, use, _ = frames(spark, subscribers, usage, catalogue)
    missing = targets_without_usage(subs, use, last_bill_month=LAST, config=config).collect()
    assert sorted((row["subscriber_id"], row["task_code"]) for row in missing) == [
        ("S_NO_BILL", "migration_package_fit_3g"),
        ("S_OLD_BILL", "migration_package_fit_3g"),
    ]
    assert count_targets_without_usage(subs, use, last_bill_month=LAST, config=config) == 2


def test_only_the_bill_months_of_the_window_count(spark, config):
    heavy = (500, 1000, 10)  # 300 minutes over: 45 yuan of overage
    usage = same_use("S8", 60, 150, 1500, 20)
    usage += [
        bill("S8", date(2026, 8, 1), 900, *heavy),  # the month before the window
        bill("S8", date(2026, 12, 1), 900, *heavy),  # after the last bill month
    ]
    catalogue = [package("PK4N058", 58, 200, 10240, 100)]
    # A last bill month given as any day of the month means that month.
    result = run(spark, config, [("S8", "2G", "active")], usage, catalogue, last=date(2026, 11, 20))["S8"]
    assert (result["months_used"], result["covered_months"]) == (3, 3)
    assert result["average_actual_bill_yuan"] == 60.0
    assert result["average_package_bill_yuan"] == 58.0
    # Moving the window one month back takes August in: (45 + 0 + 0) / 3 of overage.
    result = run(spark, config, [("S8", "2G", "active")], usage, catalogue, last=date(2026, 10, 1))["S8"]
    assert (result["months_used"], result["covered_months"]) == (3, 2)
    assert result["average_actual_bill_yuan"] == 340.0  # (900 + 60 + 60) / 3


def test_billing_month_as_the_marts_yyyy_mm_text(spark, config):
    usage = [row[:-1] + (row[-1].strftime("%Y-%m"),) for row in ARITHMETIC_USAGE]
    usage.append(bill("S2", "2026-08", 999, 9999, 99999, 999))  # outside the window
    subs, use, pkgs = frames(spark, [("S2", "2G", "active")], usage, [PACKAGE_A], month_type=StringType())
    row = recommend_packages(subs, use, pkgs, last_bill_month=LAST, config=config).collect()[0]
    assert (row["months_used"], row["average_package_bill_yuan"], row["average_actual_bill_yuan"]) == (3, 44.87, 40.0)


def test_reason_sentences_name_the_figures(spark, config):
    usage = [
        bill("S9", date(2026, 9, 1), "70.20", 150, 1500, 20),
        bill("S9", date(2026, 10, 1), "72.00", 150, 1500, 20),
        bill("S9", date(2026, 11, 1), "75.00", 150, 1500, 20),
    ]
    catalogue = [package("PK4N058", 58, 200, 10240, 100), package("PK4N078", 78, 300, 15360, 100)]
    result = run(spark, config, [("S9", "3G", "active")], usage, catalogue)["S9"]
    assert result["reason_en"] == (
        "Over the last 3 months you paid 72.40 yuan a month on average; 4G全国套餐58元 would have cost "
        "58.00 yuan a month and covered your use in 3 of 3 months."
    )
    assert (
        result["reason_zh"]
        == "近3个月您月均消费72.40元；若使用4G全国套餐58元，月均费用为58.00元，3个月中有3个月用量未超出套餐。"
    )
    assert result["expected_monthly_change_yuan"] == -14.4


def test_output_columns_types_and_a_broadcast_plan_without_python(spark, config):
    subs, use, pkgs = frames(spark, [("S2", "2G", "active")], ARITHMETIC_USAGE, [PACKAGE_A, PACKAGE_B])
    result = recommend_packages(subs, use, pkgs, last_bill_month=LAST, config=config)
    assert tuple(result.columns) == PACKAGE_FIT_COLUMNS
    types = dict(result.dtypes)
    money = [
        "recommended_monthly_fee_yuan",
        "average_actual_bill_yuan",
        "average_package_bill_yuan",
        "expected_monthly_change_yuan",
    ]
    assert {types[name] for name in money} == {"double"}
    assert (types["months_used"], types["covered_months"]) == ("int", "int")
    plan = result._jdf.queryExecution().executedPlan().toString()
    assert "BroadcastNestedLoopJoin" in plan or "BroadcastExchange" in plan
    assert "EvalPython" not in plan
    # The same inputs give the same rows.
    assert result.collect() == recommend_packages(subs, use, pkgs, last_bill_month=LAST, config=config).collect()


def test_recommendation_for_any_subscriber_uses_every_scope_and_the_same_rule(spark, config):
    ids = spark.createDataFrame(
        [("S2", "2G"), ("S4G", "4G"), ("S4G", "4G")], "subscriber_id string, network_generation string"
    )
    usage = ARITHMETIC_USAGE + same_use("S4G", 40, 150, 1500, 20)
    _, use, pkgs = frames(spark, [], usage, [PACKAGE_A, PACKAGE_B])
    rows = {
        row["subscriber_id"]: row.asDict()
        for row in recommend_packages_for(ids, use, pkgs, last_bill_month=LAST, config=config).collect()
    }
    assert set(rows) == {"S2", "S4G"}
    # The 4G subscriber's use fits the local 38-yuan package: every scope is a candidate here.
    assert rows["S4G"]["recommended_package_id"] == "PK4L038"
    assert rows["S4G"]["task_code"] == config.high_value_task
    assert rows["S4G"]["current_generation"] == "4G"
    # The 2G subscriber's row equals package fit's but for the task code.
    subs, _, _ = frames(spark, [("S2", "2G", "active")], [], [])
    fit = recommend_packages(subs, use, pkgs, last_bill_month=LAST, config=config).collect()[0].asDict()
    assert {**fit, "task_code": None} == {**rows["S2"], "task_code": None}
    # Without a generation column the current generation is unknown; the task code can be named.
    bare = spark.createDataFrame([("S4G",)], "subscriber_id string")
    row = recommend_packages_for(bare, use, pkgs, last_bill_month=LAST, config=config, task_code="x").collect()[0]
    assert (row["current_generation"], row["task_code"], row["recommended_package_id"]) == (None, "x", "PK4L038")


def test_the_rule_reads_its_thresholds_from_the_task_configuration(config):
    assert config.package_fit == PackageFitRule(usage_months=3, min_covered_share=0.9, revenue_floor_share=0.8)
