"""Approving a campaign: the trial count on the date, the power check, the log entry.

Every entry point (the CLI today, the console tomorrow) approves through :func:`approve_campaign`,
and the lifecycle refuses an approval without a passed or overridden :class:`PowerCheck`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from telco_mart.campaigns.definition import Campaign
from telco_mart.campaigns.lifecycle import LifecycleError, LogEntry, PowerCheck, current_state, record_change
from telco_mart.campaigns.policy_config import ContactPolicy, load_contact_policy
from telco_mart.campaigns.preview import Preview, preview_campaign
from telco_mart.settings import DataLayout


def check_power(
    spark, layout: DataLayout, campaign: Campaign, business_date: date, policy: ContactPolicy, override: str | None
) -> tuple[PowerCheck, Preview]:
    """The campaign's trial count on the date and whether it can detect the uplift the plan expects."""
    result = preview_campaign(spark, layout, campaign, business_date, policy)
    check = PowerCheck(
        trial_count=result.after_policy,
        min_detectable_uplift=result.min_detectable_uplift,
        expected_uplift=campaign.expected_uplift,
        powered=result.powered,
        override=override,
    )
    return check, result


def approve_campaign(
    spark,
    layout: DataLayout,
    campaign: Campaign,
    business_date: date,
    by: str,
    reason: str,
    *,
    override: str | None,
    recorded_at: datetime,
    policy: ContactPolicy | None = None,
    on_preview: Callable[[Preview], None] | None = None,
) -> tuple[LogEntry, Preview]:
    """Approve a draft campaign effective ``business_date``: refused unless it is a draft and either
    powered or approved with an ``override`` reason (which then stands as the approval's reason).
    ``on_preview`` sees the trial count before the decision (the CLI prints it)."""
    state = current_state(layout, campaign.campaign_id).state
    if state != "draft":
        raise LifecycleError(f"cannot approve {campaign.campaign_id}: it is {state}; approve needs draft")
    check, result = check_power(spark, layout, campaign, business_date, policy or load_contact_policy(), override)
    if on_preview:
        on_preview(result)
    entry = record_change(
        layout,
        campaign,
        "approve",
        by,
        business_date,
        override or reason,
        recorded_at=recorded_at,
        power_check=check,
    )
    return entry, result
