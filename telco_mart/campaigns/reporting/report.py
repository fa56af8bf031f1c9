"""The daily HTML report of one business date: campaign effect, policy funnel, and the day's run.

``write_report`` reads the date's outputs with pyarrow and the JSON summaries (no Spark, so it
takes seconds), and writes one self-contained page to ``<data root>/reports/<date>/report.html``
(inline CSS, plots as base64 PNG, no script, no network). Every value goes through ``_text``,
which masks any 11-digit mobile number and escapes HTML, so neither a full number nor markup in a
campaign name can reach the page. Export data files are never opened, only their manifests.
A section whose input is missing says so; a date with no input at all is an error.
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.dataset as ds

from telco_mart.campaigns.reporting import plots
from telco_mart.errors import TelcoMartError
from telco_mart.ingest.audit import read_audit
from telco_mart.modelling.registry import PROMOTION_LOG, ModelRegistry, ModelVersion, RegistryError
from telco_mart.quality.context import quality_root
from telco_mart.quality.outcomes import mask_mobile_numbers
from telco_mart.settings import DataLayout
from telco_mart.storage.files import write_text_atomic
from telco_mart.storage.partitions import parquet_files, partition_path

NO_DATA = "no data for this date"
CHURN_TASK = "churn"
ALL_CHANNELS = "all"
CSS = """
body { font-family: "Noto Sans", "Microsoft YaHei", "PingFang SC", Arial, sans-serif; margin: 2em auto;
       max-width: 1200px; color: #222; line-height: 1.4; }
h1 { border-bottom: 2px solid #1f6fb2; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.6em 0 1em; font-size: 0.9em; }
th, td { border: 1px solid #d5d9de; padding: 0.25em 0.6em; text-align: left; }
th { background: #eef2f6; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
p.none { color: #8a6d00; font-style: italic; } img { max-width: 100%; display: block; margin: 0.5em 0; }
li.up { color: #176b2c; } li.down { color: #a12622; }
"""


@dataclass(frozen=True)
class ReportInputs:
    """Everything the report shows for one date; ``None`` where the input does not exist."""

    business_date: date
    effect: pd.DataFrame | None
    funnel: pd.DataFrame | None
    campaign_run: dict[str, Any] | None
    task_run: dict[str, Any] | None
    audit: pd.DataFrame | None
    quality: pd.DataFrame | None
    churn_model: ModelVersion | None

    @property
    def is_empty(self) -> bool:
        """Whether nothing at all exists for the date (the registry alone is not of the date)."""
        inputs = (self.effect, self.funnel, self.campaign_run, self.task_run, self.audit, self.quality)
        return all(value is None for value in inputs)


def write_report(layout: DataLayout, business_date: date) -> Path:
    """Write the report of ``business_date`` atomically and return its path."""
    inputs = load_inputs(layout, business_date)
    if inputs.is_empty:
        raise TelcoMartError(
            f"nothing to report for business date {business_date:%Y-%m-%d}: no campaign tables, campaign or "
            f"task run, ingestion audit or quality results under {layout.root}"
        )
    return write_text_atomic(layout.reports / f"{business_date:%Y-%m-%d}" / "report.html", render_report(inputs))


# --- reading -------------------------------------------------------------------------------


def load_inputs(layout: DataLayout, business_date: date) -> ReportInputs:
    """Read the date's mart partitions, run summaries, audit, quality results and churn model."""
    campaign_run = _json(layout.campaign_state / "runs" / f"{business_date:%Y-%m-%d}.json")
    task_run = _json(layout.artifacts / "task_runs" / f"{business_date:%Y-%m-%d}.json")
    audit = read_audit(layout, business_date).to_pandas()
    return ReportInputs(
        business_date=business_date,
        effect=_mart_partition(layout, "fct_campaign_effect", business_date),
        funnel=_mart_partition(layout, "fct_campaign_funnel", business_date),
        campaign_run=campaign_run,
        task_run=task_run,
        audit=audit if len(audit) else None,
        quality=_quality_results(layout, business_date),
        churn_model=_churn_model(layout, business_date, task_run, campaign_run),
    )


def _mart_partition(layout: DataLayout, table: str, business_date: date) -> pd.DataFrame | None:
    files = parquet_files(partition_path(layout.mart / table, "business_date", business_date))
    if not files:
        return None
    frame = ds.dataset([str(path) for path in files], format="parquet").to_table().to_pandas()
    return frame if len(frame) else None


def _json(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def _quality_results(layout: DataLayout, business_date: date) -> pd.DataFrame | None:
    """One row per expectation from the stored GX results of the date's checkpoint runs
    (``validations/<layer>/<dataset>/<checkpoint>-<date>/<run time>/<batch>.json``)."""
    folder = quality_root(layout) / "validations"
    rows = []
    for path in sorted(folder.glob(f"**/*-{business_date:%Y-%m-%d}/*/*.json")):
        parts = path.relative_to(folder).parts
        suite, run_name = "/".join(parts[:-3]), parts[-3]
        for result in json.loads(path.read_text(encoding="utf-8")).get("results", []):
            config = result.get("expectation_config") or {}
            meta = config.get("meta") or {}
            rows.append(
                {
                    "checkpoint": run_name.removesuffix(f"-{business_date:%Y-%m-%d}"),
                    "suite": suite,
                    "severity": meta.get("severity") or config.get("severity") or "critical",
                    "expectation": meta.get("label") or config.get("type", ""),
                    "success": bool(result.get("success")),
                }
            )
    return pd.DataFrame(rows) if rows else None


def _churn_model(layout: DataLayout, business_date: date, task_run, campaign_run) -> ModelVersion | None:
    """The churn model of the date: the one the day's runs name, else the champion in effect then."""
    named = (task_run or {}).get("churn_model") or ((campaign_run or {}).get("model_versions") or {}).get(CHURN_TASK)
    registry = ModelRegistry(layout)
    version = str(named).split("/")[-1] if named else _champion_on(registry, business_date)
    if version is None:
        return None
    try:
        return registry.get(CHURN_TASK, version)
    except RegistryError:
        return ModelVersion(CHURN_TASK, version, registry.task_dir(CHURN_TASK) / version, {})


def _champion_on(registry: ModelRegistry, business_date: date) -> str | None:
    log = registry.task_dir(CHURN_TASK) / PROMOTION_LOG
    if not log.is_file():
        return None
    promotions = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
    in_effect = [p for p in promotions if p.get("effective_date", "") <= f"{business_date:%Y-%m-%d}"]
    return in_effect[-1]["version"] if in_effect else None


# --- formatting ----------------------------------------------------------------------------


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _text(value: Any) -> str:
    """The only way a value enters the page: numbers masked, markup escaped."""
    return html.escape(mask_mobile_numbers("" if _missing(value) else str(value)))


def count(value: Any) -> str:
    """``12,345``, or ``n/a``."""
    return "n/a" if _missing(value) else f"{int(value):,}"


def rate(value: Any, digits: int = 1) -> str:
    """A share as a percentage, ``12.3%``."""
    return "n/a" if _missing(value) else f"{100 * float(value):.{digits}f}%"


def points(value: Any) -> str:
    """A difference of rates in percentage points, signed: ``+2.34 pp``."""
    return "n/a" if _missing(value) else f"{100 * float(value):+.2f} pp"


def interval(low: Any, high: Any) -> str:
    """A 95% interval in percentage points: ``[+0.51, +4.17] pp``."""
    if _missing(low) or _missing(high):
        return "n/a"
    return f"[{100 * float(low):+.2f}, {100 * float(high):+.2f}] pp"


def _p_value(value: Any) -> str:
    return "n/a" if _missing(value) else ("<0.001" if value < 0.001 else f"{value:.3f}")


def _table(headers: list[str], rows: list[list[Any]], numeric: int = 0) -> str:
    """An HTML table; the last ``numeric`` columns are right-aligned."""
    first_numeric = len(headers) - numeric
    head = "".join(f"<th>{_text(h)}</th>" for h in headers)
    cell_tags = ['<td class="n">' if i >= first_numeric else "<td>" for i in range(len(headers))]
    body = "".join(
        "<tr>" + "".join(f"{tag}{_text(cell)}</td>" for tag, cell in zip(cell_tags, row, strict=True)) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _img(data: str, alt: str) -> str:
    return f'<img src="data:image/png;base64,{data}" alt="{_text(alt)}">'


def _no_data(what: str) -> str:
    return f'<p class="none">{_text(what)}: {NO_DATA}</p>'


# --- sections ------------------------------------------------------------------------------


def render_report(inputs: ReportInputs) -> str:
    """The whole page."""
    day = f"{inputs.business_date:%Y-%m-%d}"
    body = "\n".join([_campaign_section(inputs), _funnel_section(inputs.funnel), _run_section(inputs)])
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>telco-mart report {day}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f"<h1>telco-mart daily report, business date {day}</h1>\n"
        '<p><a href="#campaigns">1. Campaigns</a> · <a href="#funnel">2. Funnel</a> · '
        '<a href="#run">3. The day\'s run</a></p>\n'
        f"{body}\n</body>\n</html>\n"
    )


EFFECT_HEADERS = [
    "contacted", "control", "success contacted", "success control", "uplift", "95% CI", "p-value",
    "complaint rate", "pending", "min. detectable uplift",
]  # fmt: skip


def _effect_cells(row) -> list[str]:
    return [
        count(row.treatment_contacts),
        count(row.control_subjects),
        rate(row.treatment_rate),
        rate(row.control_rate),
        points(row.uplift),
        interval(row.uplift_ci_low, row.uplift_ci_high),
        _p_value(row.p_value),
        rate(row.complaint_rate, 2),
        count(row.pending_contacts),
        points(row.min_detectable_uplift).lstrip("+"),
    ]


def verdict(row) -> tuple[str, str]:
    """A sentence on whether the 95% interval of the uplift excludes 0, and its CSS class."""
    if _missing(row.uplift_ci_low) or _missing(row.uplift_ci_high):
        return "not measurable yet: the contacted or the control group has no matured subject", ""
    if row.uplift_ci_low > 0:
        return "the interval excludes 0: the campaign raised the success rate", "up"
    if row.uplift_ci_high < 0:
        return "the interval excludes 0: the campaign lowered the success rate", "down"
    return "the interval includes 0: no effect shown yet", ""


def _campaign_section(inputs: ReportInputs) -> str:
    parts = ['<h2 id="campaigns">1. Campaigns</h2>']
    listed = (inputs.campaign_run or {}).get("campaigns") or []
    if listed:
        rows = [[c.get("campaign_id"), c.get("name"), c.get("state"), c.get("wave")] for c in listed]
        parts += ["<h3>Campaigns in the day's run</h3>", _table(["campaign", "name", "state", "wave"], rows)]
    effect = inputs.effect
    if effect is None:
        parts.append(_no_data("campaign effect (fct_campaign_effect)"))
        return "\n".join(parts)
    effect = effect.sort_values(["campaign_id", "channel"])
    overall = effect[effect["channel"] == ALL_CHANNELS]
    by_channel = effect[effect["channel"] != ALL_CHANNELS]
    parts.append("<h3>Effect against the control group, all channels</h3>")
    rows = [[r.campaign_id, r.campaign_name, r.campaign_status, *_effect_cells(r)] for r in overall.itertuples()]
    parts.append(_table(["campaign", "name", "status", *EFFECT_HEADERS], rows, numeric=len(EFFECT_HEADERS)))
    items = []
    for r in overall.itertuples():
        sentence, css = verdict(r)
        line = f"{r.campaign_id} ({r.campaign_name}): uplift {points(r.uplift)}, 95% CI {interval(r.uplift_ci_low, r.uplift_ci_high)}; {sentence}"
        items.append(f'<li class="{css}">{_text(line)}</li>' if css else f"<li>{_text(line)}</li>")
    parts.append(f"<ul>{''.join(items)}</ul>")
    measured = overall.dropna(subset=["uplift", "uplift_ci_low", "uplift_ci_high"])
    if len(measured):
        scaled = [[100 * float(v) for v in measured[c]] for c in ("uplift", "uplift_ci_low", "uplift_ci_high")]
        parts.append(_img(plots.forest_plot([str(v) for v in measured["campaign_id"]], *scaled), "uplift forest plot"))
    parts.append("<h3>By channel</h3>")
    if len(by_channel):
        rows = [[r.campaign_id, r.channel, *_effect_cells(r)] for r in by_channel.itertuples()]
        parts.append(_table(["campaign", "channel", *EFFECT_HEADERS], rows, numeric=len(EFFECT_HEADERS)))
    shown = by_channel if len(by_channel) else overall
    labels = [f"{r.campaign_id} / {r.channel}" for r in shown.itertuples()]
    bars = plots.rate_bars(labels, list(shown["treatment_rate"]), list(shown["control_rate"]))
    parts.append(_img(bars, "success rates per channel"))
    return "\n".join(parts)


def _funnel_section(funnel: pd.DataFrame | None) -> str:
    parts = ['<h2 id="funnel">2. Funnel</h2>']
    if funnel is None:
        parts.append(_no_data("contact policy funnel (fct_campaign_funnel)"))
        return "\n".join(parts)
    for campaign_id, steps in funnel.sort_values(["campaign_id", "step_order"]).groupby("campaign_id", sort=True):
        name = steps["campaign_name"].iloc[0]
        parts.append(f"<h3>{_text(campaign_id)} · {_text(name)}</h3>")
        rows = [[r.step_order, r.step, count(r.dropped), count(r.remaining)] for r in steps.itertuples()]
        parts.append(_table(["#", "step", "dropped", "remaining"], rows, numeric=2))
        remaining = [0 if _missing(v) else int(v) for v in steps["remaining"]]
        dropped = [0 if _missing(v) else int(v) for v in steps["dropped"]]
        chart = plots.funnel_plot(str(campaign_id), [str(s) for s in steps["step"]], remaining, dropped)
        parts.append(_img(chart, f"funnel of {campaign_id}"))
    return "\n".join(parts)


def _run_section(inputs: ReportInputs) -> str:
    run = inputs.campaign_run or {}
    parts = ['<h2 id="run">3. The day\'s run</h2>']
    if run:
        versions = ", ".join(f"{k}: {v}" for k, v in sorted((run.get("model_versions") or {}).items()))
        parts.append(
            f"<p>campaign configuration {_text(run.get('config_hash'))}; models {_text(versions or 'none')}</p>"
        )
    parts += [
        "<h3>Ingestion</h3>",
        _ingestion(inputs.audit),
        "<h3>Quality</h3>",
        _quality(inputs.quality),
        "<h3>Churn model</h3>",
        _model(inputs.churn_model),
        "<h3>Targets per task</h3>",
        _targets(inputs.task_run),
        "<h3>Export files</h3>",
        _exports(run.get("exports")),
        "<h3>Channel capacity</h3>",
        _capacity(run.get("capacity")),
        "<h3>Feedback ingestion</h3>",
        _feedback(run.get("feedback")),
    ]
    return "\n".join(parts)


def _ingestion(audit: pd.DataFrame | None) -> str:
    if audit is None:
        return _no_data("ingestion audit")
    grouped = audit.groupby(["source", "table_name"], sort=True)
    rows = [
        [
            source,
            table,
            ", ".join(sorted(set(files["status"].dropna()))),
            ", ".join(sorted(set(files["reason"].dropna()))),
            count(len(files)),
            count(files["rows_read"].sum()),
            count(files["rows_accepted"].sum()),
            count(files["rows_quarantined"].sum()),
        ]
        for (source, table), files in grouped
    ]
    totals = [
        "all",
        "",
        "",
        "",
        count(len(audit)),
        *(count(audit[c].sum()) for c in ("rows_read", "rows_accepted", "rows_quarantined")),
    ]
    headers = ["source", "table", "status", "reason", "files", "rows read", "rows ingested", "rows quarantined"]
    return _table(headers, [*rows, totals], numeric=4)


def _quality(quality: pd.DataFrame | None) -> str:
    if quality is None:
        return _no_data("quality results")
    rows = []
    for (checkpoint, suite), outcomes in quality.groupby(["checkpoint", "suite"], sort=True):
        tallies = [
            count(((outcomes["severity"] == severity) & (outcomes["success"] == success)).sum())
            for severity in ("critical", "warning")
            for success in (True, False)
        ]
        rows.append([checkpoint, suite, *tallies])
    headers = ["checkpoint", "suite", "critical passed", "critical failed", "warning passed", "warning failed"]
    failed = quality[~quality["success"]]
    listed = "".join(f"<li>{_text(f'{r.severity}: {r.suite}: {r.expectation}')}</li>" for r in failed.itertuples())
    return _table(headers, rows, numeric=4) + (f"<p>Failed expectations:</p><ul>{listed}</ul>" if listed else "")


def _model(model: ModelVersion | None) -> str:
    if model is None:
        return _no_data("churn model")
    meta = model.metadata
    if not meta:
        return f"<p>churn model {_text(model.version)} is not in the registry under {_text(model.path)}</p>"
    window = meta.get("data_window") or {}
    trained_on = ", ".join(window.get("training_months") or [])
    text = (
        f"<p>churn model {_text(model.version)}, trained for {_text(meta.get('trained_for_date'))} on "
        f"{_text(trained_on)} ({_text(count(meta.get('training_rows')))} rows), validated on "
        f"{_text(window.get('validation_month'))}; code {_text(meta.get('code_version'))}</p>"
    )
    metrics = meta.get("metrics") or {}
    rows = [
        [name, count(m.get("rows")), f"{m.get('roc_auc', float('nan')):.3f}", f"{m.get('pr_auc', float('nan')):.3f}",
         f"{m.get('lift_at_10pct', float('nan')):.2f}", rate(m.get("base_rate"), 2)]
        for name, m in metrics.items()
    ]  # fmt: skip
    return text + _table(["scorer", "validation rows", "ROC AUC", "PR AUC", "lift@10%", "base rate"], rows, numeric=5)


def _targets(task_run: dict[str, Any] | None) -> str:
    if task_run is None:
        return _no_data("task targets")
    rows = [[task, count(n)] for task, n in (task_run.get("targets_by_sub_task") or {}).items()]
    text = f"<p>scored {_text(count(task_run.get('scored_subscribers')))} subscribers with {_text(task_run.get('churn_model'))}</p>"
    notes = "".join(f"<li>{_text(note)}</li>" for note in task_run.get("notes") or [])
    return text + _table(["sub-task", "targets"], rows, numeric=1) + (f"<ul>{notes}</ul>" if notes else "")


def _exports(exports: list[dict[str, Any]] | None) -> str:
    if not exports:
        return _no_data("export manifests")
    rows = [
        [m.get("channel"), Path(str(m.get("file", ""))).name, ", ".join(m.get("campaign_ids") or []),
         str(m.get("sha256") or "")[:12], count(m.get("rows")), count(m.get("removed_at_publish"))]
        for m in exports
    ]  # fmt: skip
    return _table(["channel", "file", "campaigns", "SHA-256 (first 12)", "rows", "removed at publish"], rows, numeric=2)


def _capacity(capacity: list[dict[str, Any]] | None) -> str:
    if not capacity:
        return _no_data("channel capacity")
    frame = pd.DataFrame(capacity)
    rows, channels, limits, used = [], [], [], []
    for channel, scopes in frame.groupby("channel", sort=True):
        stores = scopes[scopes["scope"] == "store"]
        whole = scopes[scopes["scope"] != "store"]
        counted = whole if len(whole) else stores  # a channel limit already holds its stores' orders
        limit = None if counted["capacity"].isna().any() else int(counted["capacity"].sum())
        sent = int(counted["used"].fillna(0).sum())
        full = int((stores["used"] >= stores["capacity"]).sum())
        scope = (
            "channel" + (f" and {len(stores)} stores" if len(stores) else "") if len(whole) else f"{len(stores)} stores"
        )
        rows.append([channel, scope, count(limit) if limit is not None else "unlimited", count(sent),
                     rate(sent / limit) if limit else "n/a", count(full) if len(stores) else ""])  # fmt: skip
        channels.append(str(channel))
        limits.append(limit)
        used.append(sent)
    table = _table(["channel", "scope", "capacity", "used", "share used", "stores at capacity"], rows, numeric=4)
    return table + _img(plots.capacity_plot(channels, limits, used), "channel capacity used")


def _feedback(feedback: dict[str, Any] | None) -> str:
    if not feedback:
        return _no_data("channel feedback")
    totals = [[count(feedback.get(k)) for k in ("rows_read", "rows_accepted", "rows_quarantined")]]
    table = _table(["rows read", "rows accepted", "rows quarantined"], totals, numeric=3)
    reasons = sorted((feedback.get("quarantined_by_reason") or {}).items())
    if reasons:
        table += _table(["quarantine reason", "rows"], [[reason, count(n)] for reason, n in reasons], numeric=1)
    return table
