"""A planner's trial count before approval: who the campaign would reach on a date.

The campaign's targets go through the row-level rules of the contact policy (restrictions,
cool-off, suppressions, contact history and frequency caps) on their own, without the other
campaigns, so the count is what the campaign could reach at most; approval computes the
minimum detectable uplift from it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from telco_mart.campaigns.definition import Campaign
from telco_mart.campaigns.inputs import policy_history
from telco_mart.campaigns.measurement.stats import min_detectable_uplift
from telco_mart.campaigns.policy import DROP, apply_contact_policy
from telco_mart.campaigns.policy_config import ContactPolicy
from telco_mart.campaigns.selection import DayInputs, campaign_candidates, with_expected_value
from telco_mart.settings import DataLayout


@dataclass(frozen=True)
class Preview:
    """The trial count of one campaign on one date."""

    campaign_id: str
    business_date: date
    targets_date: date
    eligible: int
    after_policy: int
    dropped_by_step: dict[str, int]
    by_city: list[tuple[str, int]]
    control_subjects: int
    min_detectable_uplift: float | None

    @property
    def powered(self) -> bool:
        """Whether the campaign can detect the uplift its planner expects."""
        return self.min_detectable_uplift is not None and self.min_detectable_uplift <= self.expected_uplift

    expected_uplift: float = 0.0


def preview_campaign(spark, layout: DataLayout, campaign: Campaign, day: date, policy: ContactPolicy) -> Preview:
    """Count the campaign's targets on ``day`` before and after the contact policy."""
    inputs = DayInputs(spark, layout, day, policy)
    candidates = with_expected_value(campaign_candidates([campaign], inputs), None, "prior").localCheckpoint()
    survivors, dropped = apply_contact_policy(candidates, policy_history(spark, layout, day, policy), policy, day)
    eligible = candidates.count()
    survivors = survivors.localCheckpoint()
    after = survivors.count()
    drops = {r[DROP]: r["count"] for r in dropped.groupBy(DROP).count().collect()}
    by_city = sorted(
        ((r["city"], r["count"]) for r in survivors.groupBy("city").count().collect()), key=lambda kv: -kv[1]
    )
    control = math.floor(after * campaign.control_share)
    try:
        detectable = min_detectable_uplift(campaign.expected_base_rate, after, campaign.control_share)
    except ValueError:
        detectable = None
    return Preview(
        campaign.campaign_id,
        day,
        inputs.targets_date,
        eligible,
        after,
        drops,
        by_city,
        control,
        detectable,
        campaign.expected_uplift,
    )


def format_preview(preview: Preview) -> str:
    """The trial count as a planner reads it."""
    lines = [
        f"{preview.campaign_id} on {preview.business_date} (targets of {preview.targets_date}): "
        f"{preview.eligible} eligible, {preview.after_policy} after the contact policy",
    ]
    for step, count in sorted(preview.dropped_by_step.items(), key=lambda kv: -kv[1]):
        lines.append(f"  dropped by {step}: {count}")
    lines.append("  by city: " + ", ".join(f"{city} {count}" for city, count in preview.by_city[:11]))
    if preview.min_detectable_uplift is None:
        lines.append("  minimum detectable uplift: not computable (too few subjects)")
    else:
        verdict = "enough" if preview.powered else "NOT enough"
        lines.append(
            f"  control group ~{preview.control_subjects}; minimum detectable uplift "
            f"{100 * preview.min_detectable_uplift:.2f} pp (5% significance, 80% power) against the expected "
            f"{100 * preview.expected_uplift:.2f} pp: {verdict}"
        )
    return "\n".join(lines)


__all__ = ["Preview", "format_preview", "preview_campaign"]
