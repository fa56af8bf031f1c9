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
A rerun of date D reads the inputs of D and the contacts strictly before D, so it writes the
same partitions and byte-identical files.
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


def run_campaign_day(
    spark,
    layout: DataLayout,
    day: date,
    campaigns_dir: Path | None = None,
    policy_path: Path = POLICY_FILE,
    progress: Progress | None = None,
) -> CampaignDaySummary:
    """Run the campaign day ``day``; see the module doc."""
    say = progress or (lambda message: None)
    policy = load_contact_policy(policy_path)
    campaigns = load_campaigns(campaigns_dir)
    entries = lifecycle.read_log(layout)
    summary = CampaignDaySummary(day)
    registry = ModelRegistry(layout)
    statuses = {cid: lifecycle.state_on(layout, cid, day, entries).state for cid in campaigns}
    decisions = {cid: lifecycle.sends_on(layout, c, day, entries) for cid, c in campaigns.items()}
    sending = {cid: c for cid, c in campaigns.items() if decisions[cid][0]}
    summary.config_hash = f"{campaigns_fingerprint(campaigns)}-{policy.fingerprint}"

    feedback = ingest_feedback(spark, layout, day, policy)
    summary.feedback = feedback.as_dict()
    say(
        f"channel results: {feedback.file_status}, {feedback.rows_accepted} reconciled, {feedback.rows_quarantined} quarantined"
    )

    outcomes = contact_outcomes(spark, layout, day, policy).localCheckpoint()
    declared_table(tables.CONTACT_OUTCOMES).write(outcomes, layout, day, sort_by=["campaign_id", "contact_id"])
    effect = effect_rows(outcomes, campaigns, statuses, _approval_details(entries))
    summary.effect = json.loads(effect.to_json(orient="records"))
    declared_table(tables.CAMPAIGN_EFFECT).write(
        spark.createDataFrame(
            effect.astype(object).where(effect.notna(), None), declared_table(tables.CAMPAIGN_EFFECT).data_ddl
        ),
        layout,
        day,
        sort_by=["campaign_id", "channel"],
    )
    cases = marketing_cases(outcomes)
    declared_table(tables.MARKETING_CASES).write(cases, layout, day, sort_by=["campaign_id", "contact_id"])
    propensity = refresh_propensity(cases, registry, day)
    summary.propensity = propensity.note
    say(propensity.note)

    for cid, campaign in campaigns.items():
        summary.campaigns.append(
            {
                "campaign_id": cid,
                "name": campaign.name,
                "state": statuses[cid],
                "wave": "-",
                "sends": cid in sending,
                "why_not": decisions[cid][1],
            }
        )
    steps = funnel_steps(policy)
    contacted = control = None
    eligible: dict[str, int] = {}
    drops: dict[tuple[str, str], int] = {}
    restricted_now: frozenset[str] = frozenset()
    use = CapacityUse(dict(policy.channel_capacity), {})
    if sending:
        inputs = DayInputs(spark, layout, day, policy)
        candidates = campaign_candidates(list(sending.values()), inputs)
        scores, source = score_propensity(candidates, registry, day)
        if source:
            summary.model_versions[source.split("/")[0]] = source.split("/")[1]
        candidates = with_expected_value(candidates, scores, source or "prior").localCheckpoint()
        eligible = {r["campaign_id"]: r["count"] for r in candidates.groupBy("campaign_id").count().collect()}
        survivors, dropped_by_policy = apply_contact_policy(
            candidates, policy_history(spark, layout, day, policy), policy, day
        )
        history = _test_history(spark, layout, day, policy)
        waves = {cid: wave_state(c, day, history.get(cid, {})) for cid, c in sending.items()}
        for entry in summary.campaigns:
            if entry["campaign_id"] in waves:
                entry["wave"] = waves[entry["campaign_id"]].wave
                entry["test_wave_complaint_rate"] = waves[entry["campaign_id"]].complaint_rate
        assigned, dropped_by_wave = assign_arms(survivors.localCheckpoint(), sending, waves)
        assigned = assigned.localCheckpoint()
        control = assigned.where(F.col("arm") == tables.CONTROL)
        use = CapacityUse(dict(policy.channel_capacity), _store_capacity(inputs, policy))
        placed, dropped_by_capacity = allocate_channels(assigned.where(F.col("arm") == tables.TREATMENT), use)
        # The second check: the latest restriction extract, read again just before publishing.
        restricted_df = restricted_subscribers(spark, layout, day).localCheckpoint()
        restricted_now = frozenset(r["subscriber_id"] for r in restricted_df.collect())
        dropped_at_publish = placed.join(restricted_df, "subscriber_id", "left_semi").withColumn(
            DROP, F.lit(RESTRICTED_AT_PUBLISH)
        )
        contacted = placed.join(restricted_df, "subscriber_id", "left_anti")
        drops = _count_drops([dropped_by_policy, dropped_by_wave, dropped_by_capacity, dropped_at_publish])
        for row in control.groupBy("campaign_id").count().collect():
            drops[(row["campaign_id"], CONTROL_GROUP)] = row["count"]
        if inputs.targets_date != day:
            say(
                f"targets from {inputs.targets_date} (the latest scoring day within {policy.targets_max_age_days} days)"
            )
        champion = registry.champion_on("churn", day) or registry.champion("churn")
        if champion:
            summary.model_versions["churn"] = champion

    summary.funnel = _funnel_rows(eligible, drops, steps, campaigns)
    funnel_frame = spark.createDataFrame(summary.funnel or [], declared_table(tables.CAMPAIGN_FUNNEL).data_ddl)
    declared_table(tables.CAMPAIGN_FUNNEL).write(funnel_frame, layout, day, sort_by=["campaign_id", "step_order"])
    write_funnel_file(layout, day, summary.funnel)
    summary.capacity = use.rows()

    if contacted is not None:
        assignments = _assignments(contacted, control, day).localCheckpoint()
        rows = assignments.select(*tables.CONTACT_COLUMNS)
        declared_table(tables.CONTACTS).write(rows, layout, day, sort_by=["campaign_id", "subscriber_id"])
        frames = build_channel_frames(
            spark, layout, day, assignments.where(F.col("arm") == tables.TREATMENT), inputs, sending
        )
        counts = {r["arm"]: r["count"] for r in assignments.groupBy("arm").count().collect()}
        summary.contacts = counts.get(tables.TREATMENT, 0)
        summary.control_subjects = counts.get(tables.CONTROL, 0)
    else:
        declared_table(tables.CONTACTS).write(
            declared_table(tables.CONTACTS).empty_frame(spark), layout, day, sort_by=["campaign_id"]
        )
        frames = build_channel_frames(spark, layout, day, None, None, sending)
    for channel in CHANNELS:
        result = write_channel_export(
            layout,
            channel,
            day,
            frames[channel],
            config_hash=summary.config_hash,
            model_versions=summary.model_versions,
            restricted_subscriber_ids=restricted_now,
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
