"""Campaign effect statistics: an arm's uplift over its control group, with an interval and a
p-value, and the smallest uplift a trial can detect.

Every effect figure in the project (the daily campaign effect table, the approval check and
``telco-mart effect``) comes from this module, so no two of them can disagree. Rates use the
normal approximation (Wald interval, pooled two-sided z-test); means use Welch's t. The
functions take summary statistics, so a Spark aggregation can feed them as well as a frame.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd
from scipy import optimize, stats

from telco_mart.errors import TelcoMartError

NAN = float("nan")
_NORMAL = NormalDist()
# Text read as a missing outcome (a CSV reads every column as text, blanks included).
_MISSING_TEXT = ("", "na", "n/a", "nan", "null", "none")


class EffectInputError(TelcoMartError, ValueError):
    """Input an effect cannot be measured on; the message names the value, column or row."""


@dataclass(frozen=True)
class Effect:
    """One arm against control for one outcome: ``uplift = value_arm - value_control``.

    ``kind`` is "proportion" (values are rates in 0..1) or "mean". ``n_arm`` and ``n_control``
    count the subjects measured; ``n_missing_*`` those left out because the outcome was missing.
    A group of size 0 gives NaN values, interval and p-value.
    """

    outcome: str
    arm: str
    kind: str
    n_arm: int
    n_control: int
    value_arm: float
    value_control: float
    uplift: float
    ci_low: float
    ci_high: float
    p_value: float
    confidence: float = 0.95
    n_missing_arm: int = 0
    n_missing_control: int = 0

    @property
    def excludes_zero(self) -> bool:
        """True when the interval lies wholly above or wholly below 0 (False when undefined)."""
        return self.ci_low > 0 or self.ci_high < 0


def proportion_effect(
    successes_arm, n_arm, successes_control, n_control, confidence=0.95, outcome="success", arm="treatment"
) -> Effect:
    """Difference of success rates, arm minus control: a Wald interval from the unpooled
    standard error and a two-sided p-value from the pooled z-test. Raises
    ``EffectInputError`` (a ``ValueError``) for a negative or fractional count, or more
    successes than subjects."""
    _check_open_unit("confidence", confidence)
    s_arm, n_a = _count("successes_arm", successes_arm), _count("n_arm", n_arm)
    s_control, n_c = _count("successes_control", successes_control), _count("n_control", n_control)
    for name, successes, size in (("successes_arm", s_arm, n_a), ("successes_control", s_control, n_c)):
        if successes > size:
            raise EffectInputError(f"{name} = {successes} is more than its group size {size}")
    rate_arm = s_arm / n_a if n_a else NAN
    rate_control = s_control / n_c if n_c else NAN
    if not (n_a and n_c):
        return Effect(outcome, arm, "proportion", n_a, n_c, rate_arm, rate_control, NAN, NAN, NAN, NAN, confidence)
    uplift = rate_arm - rate_control
    half_width = _NORMAL.inv_cdf(0.5 + confidence / 2) * math.sqrt(
        rate_arm * (1 - rate_arm) / n_a + rate_control * (1 - rate_control) / n_c
    )
    pooled = (s_arm + s_control) / (n_a + n_c)
    se_pooled = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_c))
    # Both groups all 0 or all 1: no variation at all, and the difference is exactly 0.
    p_value = math.erfc(abs(uplift) / se_pooled / math.sqrt(2)) if se_pooled > 0 else 1.0
    ci_low, ci_high = uplift - half_width, uplift + half_width
    return Effect(
        outcome, arm, "proportion", n_a, n_c, rate_arm, rate_control, uplift, ci_low, ci_high, p_value, confidence
    )


def welch_effect(
    mean_arm,
    variance_arm,
    n_arm,
    mean_control,
    variance_control,
    n_control,
    confidence=0.95,
    outcome="value",
    arm="treatment",
) -> Effect:
    """Difference of means, arm minus control, from summary statistics (sample variances,
    ddof=1): the interval and two-sided p-value of Welch's t with Welch–Satterthwaite degrees
    of freedom. A group of size 0 gives NaN; a group of size 1 an uplift but no interval."""
    _check_open_unit("confidence", confidence)
    n_a, n_c = _count("n_arm", n_arm), _count("n_control", n_control)
    mean_a = _finite("mean_arm", mean_arm) if n_a else NAN
    mean_c = _finite("mean_control", mean_control) if n_c else NAN
    uplift = mean_a - mean_c
    if n_a < 2 or n_c < 2:
        return Effect(outcome, arm, "mean", n_a, n_c, mean_a, mean_c, uplift, NAN, NAN, NAN, confidence)
    var_a = _finite("variance_arm", variance_arm, minimum=0.0) / n_a
    var_c = _finite("variance_control", variance_control, minimum=0.0) / n_c
    se = math.sqrt(var_a + var_c)
    if se == 0:  # constant values in both groups: the difference is known exactly
        ci_low = ci_high = uplift
        p_value = 1.0 if uplift == 0 else 0.0
    else:
        dof = (var_a + var_c) ** 2 / (var_a**2 / (n_a - 1) + var_c**2 / (n_c - 1))
        half_width = float(stats.t.ppf(0.5 + confidence / 2, dof)) * se
        ci_low, ci_high = uplift - half_width, uplift + half_width
        p_value = float(2 * stats.t.sf(abs(uplift) / se, dof))
    return Effect(outcome, arm, "mean", n_a, n_c, mean_a, mean_c, uplift, ci_low, ci_high, p_value, confidence)


def welch_effect_from_values(values_arm, values_control, confidence=0.95, outcome="value", arm="treatment") -> Effect:
    """``welch_effect`` on raw values; missing values (NaN) are left out."""
    groups = []
    for name, values in (("values_arm", values_arm), ("values_control", values_control)):
        array = np.asarray(values, dtype=float).ravel()
        array = array[~np.isnan(array)]
        if np.isinf(array).any():
            raise EffectInputError(f"{name} holds an infinite value")
        variance = float(array.var(ddof=1)) if array.size >= 2 else NAN
        groups.append((float(array.mean()) if array.size else NAN, variance, array.size))
    return welch_effect(*groups[0], *groups[1], confidence=confidence, outcome=outcome, arm=arm)


def min_detectable_uplift(base_rate, trial_count, control_share, alpha=0.05, power=0.80) -> float:
    """The smallest absolute increase ``d`` of a success rate that a two-sided test at
    ``alpha`` detects with probability ``power``, when ``trial_count`` subjects are split into
    a control group (``control_share`` of them) and a treatment group (the rest).

    With ``p = base_rate``, ``n_c = trial_count * control_share``, ``n_t = trial_count - n_c``
    and standard normal quantiles ``z``, ``d`` is the smallest positive root of

        d = (z[1 - alpha / 2] + z[power]) * sqrt(p (1 - p) / n_c + (p + d) (1 - p - d) / n_t)

    (normal approximation; control variance at the base rate, treatment variance at the lifted
    rate), found by a root finder. Returns ``inf`` when no rate up to 100% would be detected.
    Raises ``EffectInputError`` (a ``ValueError``) for a base rate, control share, alpha or
    power outside (0, 1), or a trial too small to put at least one subject in each group.
    """
    for name, value in (("base_rate", base_rate), ("control_share", control_share), ("alpha", alpha)):
        _check_open_unit(name, value)
    _check_open_unit("power", power)
    n_control = trial_count * control_share
    n_treatment = trial_count - n_control
    if min(n_control, n_treatment) < 1:
        raise EffectInputError(
            f"trial_count {trial_count} with control_share {control_share} leaves a group of "
            f"{min(n_control, n_treatment):.2f} subjects; each group needs at least 1"
        )
    z = _NORMAL.inv_cdf(1 - alpha / 2) + _NORMAL.inv_cdf(power)

    def shortfall(uplift):
        lifted = base_rate + uplift
        spread = base_rate * (1 - base_rate) / n_control + lifted * (1 - lifted) / n_treatment
        return uplift - z * np.sqrt(np.maximum(spread, 0.0))

    # The right side is not monotonic in d (the treatment variance peaks at a rate of 50%), so
    # find the first sign change on a grid and refine it, rather than take whichever root.
    grid = np.linspace(0.0, 1.0 - base_rate, 2001)
    reached = np.flatnonzero(shortfall(grid) >= 0)
    if reached.size == 0:
        return math.inf
    if reached[0] == 0:  # alpha and power so loose that no uplift at all is "detected"
        return 0.0
    upper = grid[reached[0]]
    return float(optimize.brentq(shortfall, grid[reached[0] - 1], upper, xtol=1e-12))


def effects_from_frame(
    frame: pd.DataFrame, arm_column: str, control_value: str, outcomes: Sequence[str], confidence=0.95
) -> list[Effect]:
    """One ``Effect`` per arm other than the control (sorted) and outcome, on one row per subject.

    Arm values are compared as text (stripped), so a control of "0" matches an integer 0. An
    outcome column holding only 0/1/True/False (missing values aside) is measured as a rate,
    any other number column as a mean (Welch). Missing outcome values are left out per outcome
    and counted in ``n_missing_*``. Raises ``EffectInputError`` naming the column for a missing
    column, the values found when the control value is absent, and the 1-based data row of a
    missing arm value or an outcome value that is not a finite number.
    """
    _check_open_unit("confidence", confidence)
    if not outcomes:
        raise EffectInputError("name at least one outcome column")
    for column in (arm_column, *outcomes):
        if column not in frame.columns:
            columns = ", ".join(map(str, frame.columns))
            raise EffectInputError(f"column {column!r} not in the table; its columns: {columns}")
    arms = _arm_labels(frame[arm_column], arm_column)
    control = str(control_value).strip()
    found = sorted(set(arms))
    if control not in found:
        shown = ", ".join(map(repr, found[:20])) + (f" and {len(found) - 20} more" if len(found) > 20 else "")
        raise EffectInputError(f"control value {control!r} not in column {arm_column!r}; values found: {shown}")
    if len(found) == 1:
        raise EffectInputError(f"column {arm_column!r} holds only the control value {control!r}: no arm to compare")
    is_control = arms == control
    measured = {outcome: _numeric_outcome(frame[outcome], outcome) for outcome in outcomes}
    # The kind comes from the whole column, so an outcome is a rate (or a mean) in every arm.
    kinds = {
        outcome: "proportion" if np.isin(values[~np.isnan(values)], (0.0, 1.0)).all() else "mean"
        for outcome, values in measured.items()
    }
    effects = []
    for arm in (value for value in found if value != control):
        in_arm = arms == arm
        for outcome in outcomes:
            values = measured[outcome]
            effects.append(_group_effect(values[in_arm], values[is_control], kinds[outcome], outcome, arm, confidence))
    return effects


def format_effects(effects: Iterable[Effect]) -> str:
    """A fixed-width text table of effects: rates as percentages (uplift in percentage points),
    means with 2 decimals, n/a where a value is undefined."""
    effects = list(effects)
    confidences = {effect.confidence for effect in effects}
    ci_header = f"{confidences.pop() * 100:g}% CI" if len(confidences) == 1 else "CI"
    header = ("arm", "outcome", "kind", "n arm", "n control", "rate/mean arm", "rate/mean control", "uplift")
    rows = [(*header, ci_header, "p")]
    for effect in effects:
        rate = effect.kind == "proportion"
        value, difference = (_percent, _points) if rate else (_money, _signed)
        unit = " pp" if rate else ""
        interval = f"[{difference(effect.ci_low)}, {difference(effect.ci_high)}]{unit}"
        if math.isnan(effect.ci_low):
            interval = "n/a"
        rows.append(
            (
                effect.arm,
                effect.outcome,
                effect.kind,
                f"{effect.n_arm:,}",
                f"{effect.n_control:,}",
                value(effect.value_arm),
                value(effect.value_control),
                "n/a" if math.isnan(effect.uplift) else difference(effect.uplift) + unit,
                interval,
                _p_value(effect.p_value),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            cell.ljust(width) if i < 3 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def _group_effect(arm_values, control_values, kind, outcome, arm, confidence) -> Effect:
    arm_kept, control_kept = arm_values[~np.isnan(arm_values)], control_values[~np.isnan(control_values)]
    if kind == "proportion":
        effect = proportion_effect(
            int(arm_kept.sum()), arm_kept.size, int(control_kept.sum()), control_kept.size, confidence, outcome, arm
        )
    else:
        effect = welch_effect_from_values(arm_kept, control_kept, confidence, outcome, arm)
    return dataclasses.replace(
        effect,
        n_missing_arm=arm_values.size - arm_kept.size,
        n_missing_control=control_values.size - control_kept.size,
    )


def _arm_labels(column: pd.Series, name: str) -> np.ndarray:
    text = column.astype("string").str.strip()
    missing = text.isna() | (text == "")
    if missing.any():
        row = int(np.flatnonzero(missing.to_numpy())[0]) + 1
        raise EffectInputError(f"arm column {name!r}, data row {row}: the arm value is missing")
    return text.to_numpy(dtype=object)


def _numeric_outcome(column: pd.Series, name: str) -> np.ndarray:
    """The column as floats with NaN for missing; raises naming the first bad data row."""
    if pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column):
        numbers = column.astype("Float64").to_numpy(dtype=float, na_value=NAN)
        missing = np.isnan(numbers)
    else:
        text = column.astype("string").str.strip().str.lower()
        missing = (text.isna() | text.isin(_MISSING_TEXT)).to_numpy()
        text = text.replace({"true": "1", "false": "0"}).mask(missing)
        numbers = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=NAN)
    bad = ~missing & ~np.isfinite(numbers)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise EffectInputError(
            f"outcome column {name!r}, data row {row + 1}: {column.iloc[row]!r} is not a finite number"
        )
    return numbers


def _count(name: str, value) -> int:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = NAN
    if not (number >= 0 and number.is_integer()) or isinstance(value, bool):
        raise EffectInputError(f"{name} must be a whole number >= 0, not {value!r}")
    return int(number)


def _finite(name: str, value, minimum: float = -math.inf) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = NAN
    if not (math.isfinite(number) and number >= minimum):
        bound = f" >= {minimum:g}" if minimum > -math.inf else ""
        raise EffectInputError(f"{name} must be a finite number{bound}, not {value!r}")
    return number


def _check_open_unit(name: str, value) -> None:
    if not (isinstance(value, numbers.Real) and 0 < value < 1):
        raise EffectInputError(f"{name} must lie strictly between 0 and 1, not {value!r}")


def _percent(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.2%}"


def _points(value: float) -> str:
    return f"{value * 100:+.2f}"


def _money(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:,.2f}"


def _signed(value: float) -> str:
    return f"{value:+,.2f}"


def _p_value(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    return "<0.0001" if value < 0.0001 else f"{value:.4f}"
