"""One campaign day, for one business date: the same function for the DAG, the CLI and tests.

1. Channel results that arrived today are ingested and reconciled (``feedback``).
2. Outcomes of earlier assignments and each campaign's effect are measured (``outcomes``);
   matured contacts feed the knowledge base and the acceptance propensity (``knowledge``).
3. Active campaigns in their dates select their targets (``selection``), the contact policy
   applies (``policy``), the control group and the test wave are drawn (``assignment``), and
   channel capacity places the contacts (``capacity``).
4. Each channel's file is checked once more against the latest do-not-disturb and blacklist
   extract and published with its manifest (``exports``); the assignments go to
   ``fct_contacts`` and the funnel of each campaign to ``fct_campaign_funnel``.
Steps 2 to 4 are ``measure_day``, ``select_contacts`` and ``publish_day``: each takes the
``CampaignDay`` and writes its own tables at its end (selection writes nothing). A rerun of date
D reads the inputs of D and the contacts strictly before D, so it writes the same partitions and
byte-identical files.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from telco_mart.campaigns import lifecycle, tables
from telco_mart.campaigns.assignment import (
    AWAITING_TEST_WAVE,
    CONTROL_GROUP,
    TEST_WAVE_COMPLAINTS,
    assign_arms,
    wave_state,
)
from telco_mart.campaigns.capacity import CAPACITY_NEXT_DAY, CapacityUse, allocate_channels
from telco_mart.campaigns.channels import CHANNELS
from telco_mart.campaigns.channels.exports import write_channel_export
from telco_mart.campaigns.channels.feedback import ingest_feedback
from telco_mart.campaigns.channels.files import build_channel_frames
from telco_mart.campaigns.definition import Campaign, campaigns_fingerprint, load_campaigns
from telco_mart.campaigns.inputs import contacts_before, policy_history, restricted_subscribers, results_until
from telco_mart.campaigns.measurement.knowledge import marketing_cases, refresh_propensity, score_propensity
from telco_mart.campaigns.measurement.outcomes import contact_outcomes, effect_rows
from telco_mart.campaigns.policy import DROP, apply_contact_policy, policy_steps
from telco_mart.campaigns.policy_config import POLICY_FILE, ContactPolicy, load_contact_policy
from telco_mart.campaigns.selection import DayInputs, campaign_candidates, with_expected_value
from telco_mart.modelling.registry import ModelRegistry
from telco_mart.settings import DataLayout
from telco_mart.storage.declared import declared_table
from telco_mart.storage.files import write_text_atomic

RESTRICTED_AT_PUBLISH = "restricted_at_publish"
EXPORTED = "exported"
Progress = Callable[[str], None]


@dataclass
class CampaignDaySummary:
    """What one campaign day did, as written to ``campaigns/runs/<date>.json``."""

    business_date: date
    campaigns: list[dict] = field(default_factory=list)
    feedback: dict = field(default_factory=dict)
    exports: list[dict] = field(default_factory=list)
    capacity: list[dict] = field(default_factory=list)
    funnel: list[dict] = field(default_factory=list)
    effect: list[dict] = field(default_factory=list)
    propensity: str = ""
    config_hash: str = ""
    model_versions: dict = field(default_factory=dict)
    contacts: int = 0
    control_subjects: int = 0

    def as_dict(self) -> dict:
        """JSON-ready."""
        return dict(self.__dict__, business_date=self.business_date.isoformat())


def funnel_steps(policy: ContactPolicy) -> list[str]:
    """The funnel's rows after ``eligible``, in order."""
    return [
        *policy_steps(policy),
        AWAITING_TEST_WAVE,
        TEST_WAVE_COMPLAINTS,
        CONTROL_GROUP,
        CAPACITY_NEXT_DAY,
        RESTRICTED_AT_PUBLISH,
    ]


def _test_history(spark, layout: DataLayout, day: date, policy: ContactPolicy) -> dict[str, dict]:
    contacts = contacts_before(spark, layout, day, policy.outcome_lookback_days).where(
        (F.col("wave") == tables.TEST_WAVE) & (F.col("arm") == tables.TREATMENT)
    )
    complained = (
        # Today's results were ingested at the start of this run: the release decision reads them.
        results_until(spark, layout, day, policy.outcome_lookback_days)
        .where(F.col("contact_result") == "complained")
        .select("contact_id")
        .distinct()
        .withColumn("_complained", F.lit(1))
    )
    rows = (
        contacts.join(complained, "contact_id", "left")
        .groupBy("campaign_id")
        .agg(
            F.min("business_date").alias("test_date"),
            F.count(F.lit(1)).alias("contacts"),
            F.sum("_complained").alias("complaints"),
        )
        .collect()
    )
    return {
        r["campaign_id"]: {"test_date": r["test_date"], "contacts": r["contacts"], "complaints": r["complaints"] or 0}
        for r in rows
    }


def _approval_details(entries: list[lifecycle.LogEntry]) -> dict[str, float | None]:
    return {e.campaign_id: e.details.get("min_detectable_uplift") for e in entries if e.action == "approve"}


def _store_capacity(inputs: DayInputs, policy: ContactPolicy) -> dict[str, int]:
    rows = inputs.stores.select("store_id", "daily_capacity").collect()
    return {r["store_id"]: int((r["daily_capacity"] or 0) * policy.retail_counter_store_share) for r in rows}


def _funnel_rows(
    eligible: dict[str, int], dropped: dict[tuple[str, str], int], steps: list[str], campaigns: dict[str, Campaign]
) -> list[dict]:
    rows = []
    for campaign_id in sorted(eligible):
        remaining = eligible[campaign_id]
        name = campaigns[campaign_id].name
        rows.append(
            {
                "campaign_id": campaign_id,
                "campaign_name": name,
                "step_order": 0,
                "step": "eligible",
                "dropped": 0,
                "remaining": remaining,
            }
        )
        for order, step in enumerate(steps, start=1):
            count = dropped.get((campaign_id, step), 0)
            remaining -= count
            rows.append(
                {
                    "campaign_id": campaign_id,
                    "campaign_name": name,
                    "step_order": order,
                    "step": step,
                    "dropped": count,
                    "remaining": remaining,
                }
            )
        rows.append(
            {
                "campaign_id": campaign_id,
                "campaign_name": name,
                "step_order": len(steps) + 1,
                "step": EXPORTED,
                "dropped": 0,
                "remaining": remaining,
            }
        )
    return rows


def _count_drops(frames: list[DataFrame]) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = {}
    for frame in frames:
        for row in frame.groupBy("campaign_id", DROP).count().collect():
            key = (row["campaign_id"], row[DROP])
            counts[key] = counts.get(key, 0) + row["count"]
    return counts


def _assignments(contacted: DataFrame, control: DataFrame, day: date) -> DataFrame:
    control = control.withColumn("channel", F.lit(None).cast("string")).withColumn(
        "channel_preference_rank", F.lit(None).cast("int")
    )
    both = contacted.unionByName(control, allowMissingColumns=True)
    contact_id = F.concat_ws("-", F.lit(f"{day:%Y%m%d}"), F.col("campaign_id"), F.col("subscriber_id"))
    return both.withColumn("contact_id", contact_id).withColumn(
        "window_end_date", F.date_add(F.lit(day), F.col("success_within_days"))
    )


@dataclass(frozen=True)
class CampaignDay:
    """What every step of a campaign day reads: the date, the policy, the campaigns and their
    lifecycle on the date, the model registry, and where to say what happened."""

    spark: object
    layout: DataLayout
    business_date: date
    policy: ContactPolicy
    campaigns: dict[str, Campaign]
    entries: list[lifecycle.LogEntry]
    registry: ModelRegistry
    statuses: dict[str, str]
    decisions: dict[str, tuple[bool, str]]
    say: Progress

    @property
    def sending(self) -> dict[str, Campaign]:
        """The campaigns that send on the date."""
        return {cid: c for cid, c in self.campaigns.items() if self.decisions[cid][0]}


@dataclass
class Selection:
    """The day's assignments before anything is written: who is contacted on which channel, who
    is held out, what each step dropped, and the capacity used."""

    eligible: dict[str, int] = field(default_factory=dict)
    drops: dict[tuple[str, str], int] = field(default_factory=dict)
    contacted: DataFrame | None = None
    control: DataFrame | None = None
    inputs: DayInputs | None = None
    restricted_now: frozenset[str] = frozenset()
    use: CapacityUse | None = None


def measure_day(day: CampaignDay, summary: CampaignDaySummary) -> None:
    """Step 2: outcomes of earlier assignments, each campaign's effect, the knowledge base and the
    propensity model; writes fct_contact_outcomes, fct_campaign_effect and fct_marketing_cases."""
    spark, layout, business_date = day.spark, day.layout, day.business_date
    outcomes = contact_outcomes(spark, layout, business_date, day.policy).localCheckpoint()
    effect = effect_rows(outcomes, day.campaigns, day.statuses, _approval_details(day.entries))
    summary.effect = json.loads(effect.to_json(orient="records"))
    effect_table = declared_table(tables.CAMPAIGN_EFFECT)
    effect_frame = spark.createDataFrame(effect.astype(object).where(effect.notna(), None), effect_table.data_ddl)
    cases = marketing_cases(outcomes)
    declared_table(tables.CONTACT_OUTCOMES).write(
        outcomes, layout, business_date, sort_by=["campaign_id", "contact_id"]
    )
    effect_table.write(effect_frame, layout, business_date, sort_by=["campaign_id", "channel"])
    declared_table(tables.MARKETING_CASES).write(cases, layout, business_date, sort_by=["campaign_id", "contact_id"])
    # The propensity model learns from the cases as published (it registers a model, not a table).
    propensity = refresh_propensity(cases, day.registry, business_date)
    summary.propensity = propensity.note
    day.say(propensity.note)


def select_contacts(day: CampaignDay, summary: CampaignDaySummary) -> Selection:
    """Step 3: targets of the sending campaigns through the contact policy, the test wave and the
    control group, channel capacity and the publish-time restriction check. Writes nothing."""
    spark, layout, business_date, policy = day.spark, day.layout, day.business_date, day.policy
    sending = day.sending
    selection = Selection(use=CapacityUse(dict(policy.channel_capacity), {}))
    if not sending:
        return selection
    inputs = DayInputs(spark, layout, business_date, policy)
    candidates = campaign_candidates(list(sending.values()), inputs)
    scores, source = score_propensity(candidates, day.registry, business_date)
    if source:
        summary.model_versions[source.split("/")[0]] = source.split("/")[1]
    candidates = with_expected_value(candidates, scores, source or "prior").localCheckpoint()
    selection.eligible = {r["campaign_id"]: r["count"] for r in candidates.groupBy("campaign_id").count().collect()}
    survivors, dropped_by_policy = apply_contact_policy(
        candidates, policy_history(spark, layout, business_date, policy), policy, business_date
    )
    history = _test_history(spark, layout, business_date, policy)
    waves = {cid: wave_state(c, business_date, history.get(cid, {})) for cid, c in sending.items()}
    for entry in summary.campaigns:
        if entry["campaign_id"] in waves:
            entry["wave"] = waves[entry["campaign_id"]].wave
            entry["test_wave_complaint_rate"] = waves[entry["campaign_id"]].complaint_rate
    assigned, dropped_by_wave = assign_arms(survivors.localCheckpoint(), sending, waves)
    assigned = assigned.localCheckpoint()
    control = assigned.where(F.col("arm") == tables.CONTROL)
    selection.use = CapacityUse(dict(policy.channel_capacity), _store_capacity(inputs, policy))
    placed, dropped_by_capacity = allocate_channels(assigned.where(F.col("arm") == tables.TREATMENT), selection.use)
    # The second check: the latest restriction extract, read again just before publishing.
    restricted_df = restricted_subscribers(spark, layout, business_date).localCheckpoint()
    selection.restricted_now = frozenset(r["subscriber_id"] for r in restricted_df.collect())
    dropped_at_publish = placed.join(restricted_df, "subscriber_id", "left_semi").withColumn(
        DROP, F.lit(RESTRICTED_AT_PUBLISH)
    )
    selection.contacted = placed.join(restricted_df, "subscriber_id", "left_anti")
    selection.control, selection.inputs = control, inputs
    selection.drops = _count_drops([dropped_by_policy, dropped_by_wave, dropped_by_capacity, dropped_at_publish])
    for row in control.groupBy("campaign_id").count().collect():
        selection.drops[(row["campaign_id"], CONTROL_GROUP)] = row["count"]
    if inputs.targets_date != business_date:
        day.say(
            f"targets from {inputs.targets_date} (the latest scoring day within {policy.targets_max_age_days} days)"
        )
    champion = day.registry.champion_on("churn", business_date) or day.registry.champion("churn")
    if champion:
        summary.model_versions["churn"] = champion
    return selection


def publish_day(day: CampaignDay, selection: Selection, summary: CampaignDaySummary) -> None:
    """Step 4: the funnel (fct_campaign_funnel and its file), the assignments (fct_contacts) and
    every channel's export, each checked once more against the latest restrictions."""
    spark, layout, business_date = day.spark, day.layout, day.business_date
    summary.funnel = _funnel_rows(selection.eligible, selection.drops, funnel_steps(day.policy), day.campaigns)
    summary.capacity = selection.use.rows()
    funnel_table, contacts_table = declared_table(tables.CAMPAIGN_FUNNEL), declared_table(tables.CONTACTS)
    funnel_frame = spark.createDataFrame(summary.funnel or [], funnel_table.data_ddl)
    funnel_table.write(funnel_frame, layout, business_date, sort_by=["campaign_id", "step_order"])
    write_funnel_file(layout, business_date, summary.funnel)

    if selection.contacted is not None:
        assignments = _assignments(selection.contacted, selection.control, business_date).localCheckpoint()
        contacts_table.write(
            assignments.select(*tables.CONTACT_COLUMNS), layout, business_date, sort_by=["campaign_id", "subscriber_id"]
        )
        treatment = assignments.where(F.col("arm") == tables.TREATMENT)
        frames = build_channel_frames(spark, layout, business_date, treatment, selection.inputs, day.sending)
        counts = {r["arm"]: r["count"] for r in assignments.groupBy("arm").count().collect()}
        summary.contacts = counts.get(tables.TREATMENT, 0)
        summary.control_subjects = counts.get(tables.CONTROL, 0)
    else:
        contacts_table.write(contacts_table.empty_frame(spark), layout, business_date, sort_by=["campaign_id"])
        frames = build_channel_frames(spark, layout, business_date, None, None, day.sending)
    for channel in CHANNELS:
        result = write_channel_export(
            layout,
            channel,
            business_date,
            frames[channel],
            config_hash=summary.config_hash,
            model_versions=summary.model_versions,
            restricted_subscriber_ids=selection.restricted_now,
        )
        summary.exports.append(
            {
                "channel": channel,
                "file": result.data_path.name,
                "rows": result.rows,
                "sha256": result.sha256,
                "removed_at_publish": result.removed_at_publish,
                "campaign_ids": list(result.campaign_ids),
                "path": str(result.data_path),
            }
        )


def run_campaign_day(
    spark,
    layout: DataLayout,
    day: date,
    campaigns_dir: Path | None = None,
    policy_path: Path = POLICY_FILE,
    progress: Progress | None = None,
) -> CampaignDaySummary:
    """Run the campaign day ``day``: feedback, measurement, selection, publication (see the module
    doc); each step writes its own tables at its end, and the run summary is written last."""
    campaigns = load_campaigns(campaigns_dir)
    entries = lifecycle.read_log(layout)
    the_day = CampaignDay(
        spark=spark,
        layout=layout,
        business_date=day,
        policy=load_contact_policy(policy_path),
        campaigns=campaigns,
        entries=entries,
        registry=ModelRegistry(layout),
        statuses={cid: lifecycle.state_on(layout, cid, day, entries).state for cid in campaigns},
        decisions={cid: lifecycle.sends_on(layout, c, day, entries) for cid, c in campaigns.items()},
        say=progress or (lambda message: None),
    )
    summary = CampaignDaySummary(day)
    summary.config_hash = f"{campaigns_fingerprint(campaigns)}-{the_day.policy.fingerprint}"

    feedback = ingest_feedback(spark, layout, day, the_day.policy)  # step 1, writes its own tables
    summary.feedback = feedback.as_dict()
    the_day.say(
        f"channel results: {feedback.file_status}, {feedback.rows_accepted} reconciled, {feedback.rows_quarantined} quarantined"
    )
    measure_day(the_day, summary)
    summary.campaigns = [
        {
            "campaign_id": cid,
            "name": campaign.name,
            "state": the_day.statuses[cid],
            "wave": "-",
            "sends": cid in the_day.sending,
            "why_not": the_day.decisions[cid][1],
        }
        for cid, campaign in campaigns.items()
    ]
    selection = select_contacts(the_day, summary)
    publish_day(the_day, selection, summary)
    _write_summary(layout, summary)
    return summary


def funnel_file(layout: DataLayout, day: date) -> Path:
    """``exports/funnel/<date>/FUNNEL_<yyyymmdd>.csv``: the funnel beside the channel files."""
    return layout.exports / "funnel" / day.isoformat() / f"FUNNEL_{day:%Y%m%d}.csv"


def write_funnel_file(layout: DataLayout, day: date, rows: list[dict]) -> Path:
    """Write the day's funnel of every campaign as CSV beside the exports (atomically, in step order)."""
    path = funnel_file(layout, day)
    columns = ["campaign_id", "campaign_name", "step_order", "step", "dropped", "remaining"]
    lines = [",".join(columns)]
    for row in sorted(rows, key=lambda r: (r["campaign_id"], r["step_order"])):
        lines.append(",".join(str(row[c]).replace(",", " ") for c in columns))
    return write_text_atomic(path, "\n".join(lines) + "\n")


def run_summary_path(layout: DataLayout, day: date) -> Path:
    """``campaigns/runs/<date>.json``."""
    return layout.campaign_state / "runs" / f"{day.isoformat()}.json"


def _write_summary(layout: DataLayout, summary: CampaignDaySummary) -> None:
    write_text_atomic(
        run_summary_path(layout, summary.business_date),
        json.dumps(summary.as_dict(), indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n",
    )


def format_day_summary(summary: CampaignDaySummary) -> str:
    """A few lines for the log and the terminal."""
    lines = [
        f"campaign day {summary.business_date}: {summary.contacts} contacts exported, {summary.control_subjects} held out as control"
    ]
    for entry in summary.campaigns:
        state = f"{entry['state']}, wave {entry['wave']}" if entry["sends"] else f"not sending ({entry['why_not']})"
        lines.append(f"  {entry['campaign_id']}: {state}")
    for export in summary.exports:
        lines.append(
            f"  export {export['channel']}: {export['rows']} rows ({export['file']}, sha256 {export['sha256'][:12]})"
        )
    feedback = summary.feedback
    lines.append(
        f"  channel results: {feedback.get('rows_accepted', 0)} reconciled, {feedback.get('rows_quarantined', 0)} quarantined "
        f"{feedback.get('quarantined_by_reason', {})}"
    )
    for row in summary.effect:
        if row["channel"] == "all" and row["treatment_contacts"]:
            lines.append(
                f"  effect {row['campaign_id']}: {row['treatment_successes']}/{row['treatment_contacts']} vs "
                f"{row['control_successes']}/{row['control_subjects']} control, uplift {100 * (row['uplift'] or 0):+.2f} pp "
                f"[{100 * (row['uplift_ci_low'] or 0):+.2f}, {100 * (row['uplift_ci_high'] or 0):+.2f}]"
            )
    lines.append(f"  propensity: {summary.propensity}")
    return "\n".join(lines)


__all__ = ["CampaignDaySummary", "format_day_summary", "run_campaign_day", "run_summary_path"]
