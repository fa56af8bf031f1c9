"""The ``telco-mart campaigns`` commands and ``telco-mart simulate``.

A planner validates the YAML, previews the trial count and moves the campaign through its
states; an engineer runs a campaign day (the DAG calls the same function); the demo plays the
channel systems with the simulator.
"""

from __future__ import annotations

from typing import Annotated

import typer

from telco_mart.cli.console import output
from telco_mart.pipeline.dates import parse_business_date

campaigns_app = typer.Typer(help="Campaigns: validate, preview, approve and run.", no_args_is_help=True)

SIMULATED_CRM_TABLES = ("CRM_PRODUCT_ORDER", "CRM_COMPLAINT")
CampaignArgument = Annotated[str, typer.Argument(help="Campaign id (the YAML file's name in campaigns/).")]
By = Annotated[str, typer.Option("--by", help="Who makes the change (kept in the campaign log).")]
Reason = Annotated[str, typer.Option(help="Why (kept in the campaign log).")]
OptionalDate = Annotated[str | None, typer.Option(help="Business date, YYYY-MM-DD (default: the latest targets).")]


def _out():
    return output


def _layout():
    from telco_mart.settings import DataLayout

    return DataLayout.from_environment()


def _campaign(campaign_id: str):
    from telco_mart.campaigns.definition import CampaignError, load_campaigns

    campaigns = load_campaigns()
    if campaign_id not in campaigns:
        raise CampaignError(f"no campaign {campaign_id!r} in campaigns/; known: {sorted(campaigns)}")
    return campaigns[campaign_id]


def _date_or_latest(date: str | None):
    from telco_mart.errors import TelcoMartError
    from telco_mart.pipeline.dates import parse_business_date as parse

    if date:
        return parse(date)
    from telco_mart.storage.keys import DATE_KEY
    from telco_mart.storage.partitions import latest_partition_date

    found = latest_partition_date(_layout().mart / "fct_task_targets", DATE_KEY)
    if found is None:
        raise TelcoMartError("no fct_task_targets partition yet: run the daily DAG (or `telco-mart tasks run`) first")
    return found


@campaigns_app.command("validate")
def validate() -> None:
    """Check every campaign file and the contact policy; exit 1 naming the file, field and reason."""
    from telco_mart.campaigns.definition import load_campaigns
    from telco_mart.campaigns.policy_config import POLICY_FILE, load_contact_policy

    campaigns = load_campaigns()
    policy = load_contact_policy()
    out = _out()
    for campaign in campaigns.values():
        target = " and ".join(
            x for x in (campaign.task_code, campaign.tag_expression and f"tags: {campaign.tag_expression}") if x
        )
        out.print(f"ok  {campaign.campaign_id}: {target}; channels {', '.join(campaign.channels)}", highlight=False)
    out.print(
        f"ok  {POLICY_FILE.name}: caps {[(c.days, c.max_contacts) for c in policy.frequency_caps]}", highlight=False
    )


@campaigns_app.command("list")
def list_campaigns(date: OptionalDate = None) -> None:
    """Every campaign with its state (on a date, default: after every change)."""
    from telco_mart.campaigns import lifecycle
    from telco_mart.campaigns.definition import load_campaigns

    layout = _layout()
    day = parse_business_date(date) if date else None
    for campaign in load_campaigns().values():
        state = (
            lifecycle.state_on(layout, campaign.campaign_id, day)
            if day
            else lifecycle.current_state(layout, campaign.campaign_id)
        )
        _out().print(
            f"{campaign.campaign_id:24} {state.state:9} {campaign.start_date}..{campaign.end_date} "
            f"priority {campaign.priority} group {campaign.exclusion_group}  {campaign.name}",
            highlight=False,
        )


@campaigns_app.command("preview")
def preview(campaign_id: CampaignArgument, date: OptionalDate = None) -> None:
    """The trial count: targets on the date before and after the contact policy, by city, and the
    minimum detectable uplift."""
    from telco_mart.campaigns.policy_config import load_contact_policy
    from telco_mart.campaigns.preview import format_preview, preview_campaign
    from telco_mart.spark_session import get_spark

    campaign, day = _campaign(campaign_id), _date_or_latest(date)
    result = preview_campaign(get_spark("telco-mart-campaign-preview"), _layout(), campaign, day, load_contact_policy())
    _out().print(format_preview(result), highlight=False)


def _change(action: str, campaign_id: str, by: str, reason: str, date: str | None, details: dict | None = None) -> None:
    from telco_mart.campaigns.lifecycle import record_change
    from telco_mart.operational_clock import operational_timestamp

    entry = record_change(
        _layout(),
        _campaign(campaign_id),
        action,
        by,
        _date_or_latest(date),
        reason,
        details,
        recorded_at=operational_timestamp(),
    )
    _print_change(entry)


def _print_change(entry) -> None:
    _out().print(
        f"{entry.campaign_id}: {entry.from_state} -> {entry.to_state} by {entry.by}, effective {entry.effective_date}",
        highlight=False,
    )


@campaigns_app.command("approve")
def approve(
    campaign_id: CampaignArgument,
    by: By,
    reason: Reason = "",
    date: OptionalDate = None,
    override: Annotated[str | None, typer.Option(help="Approve an under-powered campaign anyway, saying why.")] = None,
) -> None:
    """Approve a draft: computes the minimum detectable uplift from the trial count and refuses an
    under-powered campaign unless --override gives a reason."""
    from telco_mart.campaigns.approval import approve_campaign
    from telco_mart.campaigns.preview import format_preview
    from telco_mart.operational_clock import operational_timestamp
    from telco_mart.spark_session import get_spark

    campaign, day = _campaign(campaign_id), _date_or_latest(date)
    entry, _ = approve_campaign(
        get_spark("telco-mart-campaign-approve"),
        _layout(),
        campaign,
        day,
        by,
        reason,
        override=override,
        recorded_at=operational_timestamp(),
        on_preview=lambda result: _out().print(format_preview(result), highlight=False),
    )
    _print_change(entry)


@campaigns_app.command("activate")
def activate(campaign_id: CampaignArgument, by: By, reason: Reason = "", date: OptionalDate = None) -> None:
    """Start sending (from the date, within the campaign's dates)."""
    _change("activate", campaign_id, by, reason, date)


@campaigns_app.command("pause")
def pause(campaign_id: CampaignArgument, by: By, reason: Reason = "", date: OptionalDate = None) -> None:
    """Stop sending for now."""
    _change("pause", campaign_id, by, reason, date)


@campaigns_app.command("resume")
def resume(campaign_id: CampaignArgument, by: By, reason: Reason = "", date: OptionalDate = None) -> None:
    """Send again after a pause."""
    _change("resume", campaign_id, by, reason, date)


@campaigns_app.command("end")
def end(campaign_id: CampaignArgument, by: By, reason: Reason = "", date: OptionalDate = None) -> None:
    """End the campaign for good (its effect keeps being measured)."""
    _change("end", campaign_id, by, reason, date)


@campaigns_app.command("log")
def show_log(campaign_id: Annotated[str | None, typer.Argument(help="Only this campaign.")] = None) -> None:
    """Every state change: who, when, why."""
    from telco_mart.campaigns.lifecycle import read_log

    for e in read_log(_layout(), campaign_id):
        _out().print(
            f"{e.effective_date} {e.campaign_id:24} {e.action:9} {e.from_state}->{e.to_state} by {e.by} "
            f"(at {e.recorded_at}) {e.reason}",
            highlight=False,
        )


@campaigns_app.command("run")
def run(
    date: Annotated[str, typer.Option(help="Business date, YYYY-MM-DD.")],
    simulate_until: Annotated[
        str | None,
        typer.Option(help="Demo: after the date, play the channels and run every day up to this date."),
    ] = None,
) -> None:
    """Run the campaign day (feedback, effect, selection, policy, exports); with --simulate-until
    the channel simulator answers each day's exports and the loop goes on day by day."""
    from datetime import timedelta

    from telco_mart.ingest.runner import ingest_source
    from telco_mart.pipeline.day import DayContext, run_day, stage_named
    from telco_mart.synthetic.channel_simulator import format_simulation_summary, simulate_day

    layout = _layout()
    day = parse_business_date(date)
    last = parse_business_date(simulate_until) if simulate_until else day
    spark = None
    while day <= last:
        # The day's campaigns stage, exactly as the DAG and `telco-mart run` run it (and recorded).
        context = DayContext(day, layout, lambda m: _out().print(m, highlight=False), spark)
        run_day(context, [stage_named("campaigns")])
        spark = context.spark
        if day < last:
            _out().print(format_simulation_summary(simulate_day(layout, day)), highlight=False)
            # The simulated CRM orders and complaints of the next day, ingested as the daily CRM
            # run would (the rest of the CRM extract does not exist on simulated days).
            ingest_source(spark, "crm", [day + timedelta(days=1)], layout, tables=list(SIMULATED_CRM_TABLES))
        day += timedelta(days=1)
