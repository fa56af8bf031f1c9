"""Campaign effect statistics: known values, empty groups, the detectable uplift, and interval
coverage on simulated campaigns measured through the same frame path as `telco-mart effect`."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from telco_mart.campaigns.measurement.stats import (
    Effect,
    EffectInputError,
    effects_from_frame,
    format_effects,
    min_detectable_uplift,
    proportion_effect,
    welch_effect,
    welch_effect_from_values,
)
from telco_mart.errors import TelcoMartError

Z_975 = 1.959963984540054


def test_difference_of_proportions_matches_the_textbook_calculation():
    effect = proportion_effect(120, 1000, 100, 1000, outcome="is_converted", arm="sms")
    se_unpooled = math.sqrt(0.12 * 0.88 / 1000 + 0.10 * 0.90 / 1000)
    assert (effect.outcome, effect.arm, effect.kind) == ("is_converted", "sms", "proportion")
    assert (effect.value_arm, effect.value_control) == (0.12, 0.10)
    assert effect.uplift == pytest.approx(0.02)
    assert effect.ci_low == pytest.approx(0.02 - Z_975 * se_unpooled)
    assert effect.ci_high == pytest.approx(0.02 + Z_975 * se_unpooled)
    assert effect.ci_low == pytest.approx(-0.007411, abs=1e-6)
    # The pooled z-test squared is Pearson's chi-square without continuity correction.
    chi_square = stats.chi2_contingency([[120, 880], [100, 900]], correction=False)
    assert effect.p_value == pytest.approx(chi_square.pvalue, rel=1e-9)
    assert effect.p_value == pytest.approx(0.1529, abs=1e-4)
    assert not effect.excludes_zero


def test_a_clear_difference_excludes_zero_and_the_level_widens_the_interval():
    effect = proportion_effect(300, 2000, 200, 2000)
    wider = proportion_effect(300, 2000, 200, 2000, confidence=0.99)
    assert effect.excludes_zero and effect.p_value < 0.001
    assert wider.ci_low < effect.ci_low and wider.ci_high > effect.ci_high and wider.confidence == 0.99
    assert proportion_effect(200, 2000, 300, 2000).excludes_zero  # below zero counts too


def test_no_variation_in_either_group_gives_p_one_and_a_point_interval():
    effect = proportion_effect(0, 500, 0, 800)
    assert (effect.uplift, effect.ci_low, effect.ci_high, effect.p_value) == (0.0, 0.0, 0.0, 1.0)


def test_an_empty_group_gives_nan_not_zero_division():
    for effect in (proportion_effect(0, 0, 5, 100), proportion_effect(5, 100, 0, 0), proportion_effect(0, 0, 0, 0)):
        assert math.isnan(effect.uplift) and math.isnan(effect.ci_low) and math.isnan(effect.p_value)
        assert not effect.excludes_zero
    assert proportion_effect(5, 100, 0, 0).value_arm == 0.05
    assert math.isnan(welch_effect(1.0, 0.5, 0, 2.0, 0.5, 10).uplift)
    assert math.isnan(welch_effect_from_values([], [1.0, 2.0]).value_arm)


def test_welch_from_summary_statistics_matches_scipy():
    effect = welch_effect(25.0, 16.0, 40, 22.0, 36.0, 25, outcome="revenue_yuan", arm="app")
    expected = stats.ttest_ind_from_stats(25.0, 4.0, 40, 22.0, 6.0, 25, equal_var=False)
    assert effect.kind == "mean" and effect.uplift == pytest.approx(3.0)
    assert effect.p_value == pytest.approx(expected.pvalue, rel=1e-9)


def test_welch_on_values_matches_a_hand_calculation_and_scipy():
    arm, control = [1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0]
    effect = welch_effect_from_values(arm, control)
    # By hand: variances 5/3 and 4, se^2 = 5/12 + 4/3 = 1.75, df = 1.75^2 / ((5/12)^2/3 + (4/3)^2/2).
    dof = 1.75**2 / ((5 / 12) ** 2 / 3 + (4 / 3) ** 2 / 2)
    half_width = stats.t.ppf(0.975, dof) * math.sqrt(1.75)
    assert dof == pytest.approx(3.2347, abs=1e-4)
    assert (effect.value_arm, effect.value_control, effect.uplift) == (2.5, 4.0, -1.5)
    assert (effect.ci_low, effect.ci_high) == pytest.approx((-1.5 - half_width, -1.5 + half_width))
    reference = stats.ttest_ind(arm, control, equal_var=False)
    assert effect.p_value == pytest.approx(reference.pvalue, rel=1e-9)
    assert (effect.ci_low, effect.ci_high) == pytest.approx(tuple(reference.confidence_interval(0.95)))


def test_welch_edge_cases():
    single = welch_effect_from_values([5.0], [1.0, 2.0, np.nan])
    assert single.uplift == 3.5 and single.n_control == 2 and math.isnan(single.ci_low)
    constant = welch_effect_from_values([3.0, 3.0], [1.0, 1.0])
    assert (constant.ci_low, constant.ci_high, constant.p_value) == (2.0, 2.0, 0.0)
    assert welch_effect_from_values([1.0, 1.0], [1.0, 1.0]).p_value == 1.0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: proportion_effect(11, 10, 1, 10), "successes_arm = 11 is more than its group size 10"),
        (lambda: proportion_effect(1, 10, -1, 10), "successes_control must be a whole number >= 0, not -1"),
        (lambda: proportion_effect(1, 10.5, 1, 10), "n_arm must be a whole number >= 0, not 10.5"),
        (lambda: proportion_effect(1, 10, 1, 10, confidence=95), "confidence must lie strictly between 0 and 1"),
        (lambda: welch_effect(1.0, -2.0, 10, 1.0, 1.0, 10), "variance_arm must be a finite number >= 0, not -2.0"),
        (lambda: welch_effect(float("nan"), 1.0, 10, 1.0, 1.0, 10), "mean_arm must be a finite number"),
        (lambda: welch_effect_from_values([1.0, np.inf], [1.0, 2.0]), "values_arm holds an infinite value"),
    ],
)
def test_bad_inputs_name_the_value(call, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        call()


def test_min_detectable_uplift_solves_its_equation_near_the_closed_form():
    uplift = min_detectable_uplift(0.05, 10_000, 0.5)
    z = stats.norm.ppf(0.975) + stats.norm.ppf(0.80)
    lifted = 0.05 + uplift
    assert uplift == pytest.approx(z * math.sqrt(0.05 * 0.95 / 5000 + lifted * (1 - lifted) / 5000), rel=1e-9)
    # With the base-rate variance in both groups (the usual closed form) it comes out a little smaller.
    closed_form = z * math.sqrt(2 * 0.05 * 0.95 / 5000)
    assert closed_form < uplift < 1.1 * closed_form
    assert uplift == pytest.approx(0.012928, abs=1e-6)


def test_min_detectable_uplift_is_detected_with_the_stated_power():
    rng = np.random.default_rng(11)
    uplift = min_detectable_uplift(0.05, 10_000, 0.5)
    control = rng.binomial(5000, 0.05, size=4000)
    arm = rng.binomial(5000, 0.05 + uplift, size=4000)
    detected = [proportion_effect(a, 5000, c, 5000).p_value < 0.05 for a, c in zip(arm, control, strict=True)]
    assert np.mean(detected) == pytest.approx(0.80, abs=0.03)


def test_min_detectable_uplift_shrinks_with_the_trial_and_grows_with_a_smaller_control():
    by_count = [min_detectable_uplift(0.04, n, 0.2) for n in (1_000, 5_000, 20_000, 100_000)]
    assert by_count == sorted(by_count, reverse=True) and len(set(by_count)) == 4
    by_share = [min_detectable_uplift(0.04, 20_000, share) for share in (0.5, 0.3, 0.1, 0.02)]
    assert by_share == sorted(by_share) and len(set(by_share)) == 4
    assert min_detectable_uplift(0.04, 20_000, 0.2, power=0.9) > min_detectable_uplift(0.04, 20_000, 0.2)
    assert min_detectable_uplift(0.5, 3, 0.5, alpha=0.001, power=0.999) == math.inf


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((0.0, 1000, 0.5), "base_rate must lie strictly between 0 and 1, not 0.0"),
        ((1.2, 1000, 0.5), "base_rate must lie strictly between 0 and 1"),
        ((0.05, 1000, 1.0), "control_share must lie strictly between 0 and 1"),
        ((0.05, 10, 0.05), "leaves a group of 0.50 subjects; each group needs at least 1"),
    ],
)
def test_min_detectable_uplift_refuses_impossible_trials(arguments, message):
    with pytest.raises(ValueError, match=message):
        min_detectable_uplift(*arguments)


def _campaign_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "arm": ["control", "control", "control", "sms", "sms", " app", "app", "app"],
            "is_converted": ["1", "0", "0", "1", "", "true", "FALSE", "1"],
            "revenue_yuan": [10.0, 12.0, None, 15.0, 17.0, 8.0, 9.0, 13.0],
        }
    )


def test_effects_from_frame_measures_rates_and_means_per_arm_and_counts_missing_values():
    effects = effects_from_frame(_campaign_frame(), "arm", "control", ["is_converted", "revenue_yuan"])
    assert [(e.arm, e.outcome, e.kind) for e in effects] == [
        ("app", "is_converted", "proportion"),
        ("app", "revenue_yuan", "mean"),
        ("sms", "is_converted", "proportion"),
        ("sms", "revenue_yuan", "mean"),
    ]
    app_rate, app_revenue, sms_rate, sms_revenue = effects
    assert (app_rate.n_arm, app_rate.n_control, app_rate.value_arm) == (3, 3, pytest.approx(2 / 3))
    assert (sms_rate.n_arm, sms_rate.n_missing_arm, sms_rate.value_arm) == (1, 1, 1.0)
    assert (app_revenue.n_control, app_revenue.n_missing_control, app_revenue.value_control) == (2, 1, 11.0)
    assert sms_revenue.uplift == pytest.approx(5.0)
    assert sms_revenue.p_value == pytest.approx(stats.ttest_ind([15, 17], [10, 12], equal_var=False).pvalue)


def test_effects_from_frame_compares_arms_as_text_and_reads_booleans_as_rates():
    frame = pd.DataFrame({"group_id": [0, 0, 1, 1, 2], "is_active": [True, False, True, True, None]})
    effects = effects_from_frame(frame, "group_id", "0", ["is_active"])
    assert [(e.arm, e.kind, e.value_arm, e.n_missing_arm) for e in effects] == [
        ("1", "proportion", 1.0, 0),
        ("2", "proportion", pytest.approx(float("nan"), nan_ok=True), 1),
    ]


@pytest.mark.parametrize(
    ("arm_column", "control", "outcomes", "message"),
    [
        ("campaign_arm", "control", ["is_converted"], "column 'campaign_arm' not in the table; its columns: arm,"),
        ("arm", "control", ["revenue"], "column 'revenue' not in the table"),
        ("arm", "holdout", ["is_converted"], "control value 'holdout' not in column 'arm'; values found: 'app', 'control', 'sms'"),
        ("arm", "control", [], "name at least one outcome column"),
    ],
)  # fmt: skip
def test_effects_from_frame_errors_name_the_column_and_values(arm_column, control, outcomes, message):
    with pytest.raises(TelcoMartError, match=message):
        effects_from_frame(_campaign_frame(), arm_column, control, outcomes)


def test_effects_from_frame_names_the_row_of_a_bad_value():
    frame = _campaign_frame()
    frame.loc[4, "is_converted"] = "yes"
    with pytest.raises(EffectInputError, match=r"outcome column 'is_converted', data row 5: 'yes' is not a finite"):
        effects_from_frame(frame, "arm", "control", ["is_converted"])
    frame = _campaign_frame()
    frame.loc[2, "arm"] = None
    with pytest.raises(ValueError, match=r"arm column 'arm', data row 3: the arm value is missing"):
        effects_from_frame(frame, "arm", "control", ["is_converted"])
    only_control = _campaign_frame().assign(arm="control")
    with pytest.raises(EffectInputError, match="holds only the control value 'control'"):
        effects_from_frame(only_control, "arm", "control", ["is_converted"])


def test_format_effects_prints_rates_as_percentages_and_means_with_two_decimals():
    effects = [
        proportion_effect(120, 1000, 100, 1000, outcome="is_converted", arm="sms"),
        welch_effect(25.0, 16.0, 40, 22.0, 36.0, 25, outcome="revenue_yuan", arm="sms"),
        Effect("is_converted", "app", "proportion", 0, 10, *[float("nan")] * 6, 0.95),
    ]
    lines = format_effects(effects).splitlines()
    assert lines[0].split() == [
        "arm", "outcome", "kind", "n", "arm", "n", "control", "rate/mean", "arm",
        "rate/mean", "control", "uplift", "95%", "CI", "p",
    ]  # fmt: skip
    assert lines[2].split() == [
        "sms", "is_converted", "proportion", "1,000", "1,000", "12.00%", "10.00%", "+2.00", "pp",
        "[-0.74,", "+4.74]", "pp", "0.1529",
    ]  # fmt: skip
    assert lines[3].split()[5:10] == ["25.00", "22.00", "+3.00", "[+0.25,", "+5.75]"]
    assert lines[4].split()[3:] == ["0", "10", "n/a", "n/a", "n/a", "n/a", "n/a"]


# Coverage on simulated campaigns: the project's requirement is that on 200 campaigns with a
# planted uplift the 95% interval covers it in 90-99% of them, and that with none planted it
# excludes 0 in at most 10%. Each campaign goes through effects_from_frame, as the CLI does.
CAMPAIGNS = 200


def _simulated_campaigns(rng: np.random.Generator, outcome: str, planted: bool) -> list[tuple[Effect, float]]:
    results = []
    for _ in range(CAMPAIGNS):
        subjects = int(rng.integers(800, 5001))
        is_control = rng.random(subjects) < rng.uniform(0.1, 0.5)
        if outcome == "is_converted":
            base_rate = rng.uniform(0.02, 0.10)
            uplift = rng.uniform(0.01, 0.05) if planted else 0.0
            values = (rng.random(subjects) < np.where(is_control, base_rate, base_rate + uplift)).astype(int)
        else:
            # Revenue: most subjects buy nothing, buyers spend a skewed (gamma) amount.
            buy_rate, shape, scale = 0.3, 0.8, rng.uniform(30.0, 60.0)
            uplift = rng.uniform(1.0, 4.0) if planted else 0.0
            arm_scale = scale + uplift / (buy_rate * shape)  # mean = buy_rate * shape * scale
            spend = rng.gamma(shape, np.where(is_control, scale, arm_scale))
            values = np.where(rng.random(subjects) < buy_rate, spend, 0.0)
            values[rng.random(subjects) < 0.01] = np.nan  # missing completely at random: no bias
        frame = pd.DataFrame({"arm": np.where(is_control, "control", "sms"), outcome: values})
        [effect] = effects_from_frame(frame, "arm", "control", [outcome])
        results.append((effect, uplift))
    return results


@pytest.mark.parametrize(("outcome", "kind"), [("is_converted", "proportion"), ("revenue_yuan", "mean")])
def test_the_95_percent_interval_covers_a_planted_uplift_in_90_to_99_percent_of_campaigns(outcome, kind):
    results = _simulated_campaigns(np.random.default_rng(20261130), outcome, planted=True)
    assert {effect.kind for effect, _ in results} == {kind}
    coverage = np.mean([effect.ci_low <= uplift <= effect.ci_high for effect, uplift in results])
    assert 0.90 <= coverage <= 0.99, f"{outcome}: the interval covers the planted uplift in {coverage:.1%}"


@pytest.mark.parametrize("outcome", ["is_converted", "revenue_yuan"])
def test_with_no_planted_uplift_the_interval_excludes_zero_in_at_most_10_percent(outcome):
    results = _simulated_campaigns(np.random.default_rng(20261201), outcome, planted=False)
    false_positives = np.mean([effect.excludes_zero for effect, _ in results])
    assert false_positives <= 0.10, f"{outcome}: 0 excluded in {false_positives:.1%} of null campaigns"
