"""The ``telco-mart models``, ``telco-mart tasks`` and ``telco-mart lookup`` commands.

Thin shells over ``telco_mart.modelling`` and ``telco_mart.tasks``: the DAG and the tests call
the same functions.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from telco_mart.cli.console import console, output
from telco_mart.pipeline.dates import parse_business_date

models_app = typer.Typer(help="Task models: train, list, compare and promote versions.", no_args_is_help=True)
tasks_app = typer.Typer(help="The six task models' daily targets.", no_args_is_help=True)

TaskArgument = Annotated[str, typer.Argument(help="Model task; `churn` is the trained one.")]
OptionalDate = Annotated[str | None, typer.Option(help="Business date, YYYY-MM-DD (default: the latest built).")]


def _console():
    return console, output


def _check_task(task: str) -> None:
    from telco_mart.modelling.churn_model import load_churn_config

    known = load_churn_config().task
    if task != known:
        raise typer.BadParameter(f"unknown model task {task!r}; the trained task model is {known!r}")


def _default_date(date: str | None):
    """The given date, or the latest date with a dim_subscriber partition."""
    from telco_mart.errors import TelcoMartError
    from telco_mart.settings import DataLayout
    from telco_mart.storage.keys import DATE_KEY
    from telco_mart.storage.partitions import latest_partition_date

    if date:
        return parse_business_date(date)
    built = latest_partition_date(DataLayout.from_environment().mart / "dim_subscriber", DATE_KEY)
    if built is None:
        raise TelcoMartError("the mart has no dim_subscriber yet: build the mart first (or pass --date)")
    return built


@models_app.command("train")
def models_train(
    task: TaskArgument,
    date: OptionalDate = None,
    table: Annotated[
        str | None, typer.Option(help="Train on this churn table (CSV or Parquet) instead of the mart.")
    ] = None,
    label: Annotated[str | None, typer.Option(help="With --table: the label column (yes/no, 1/0, true/false).")] = None,
    id_column: Annotated[
        str | None, typer.Option("--id", help="With --table: the id column (left out of the features).")
    ] = None,
    folds: Annotated[int, typer.Option(min=2, help="With --table: cross-validation folds.")] = 5,
    seed: Annotated[int | None, typer.Option(help="With --table: the CV seed (default fixed).")] = None,
) -> None:
    """Train a challenger on the mart (registered, not promoted), or cross-validate on any churn table."""
    console, output = _console()
    _check_task(task)
    if table is not None:
        from telco_mart.modelling import tabular

        if not label:
            raise typer.BadParameter("--table needs --label")
        prepared = tabular.prepare_table(tabular.load_table(table), label=label, id_column=id_column)
        options = {"folds": folds} | ({"seed": seed} if seed is not None else {})
        report = tabular.cross_validate_table(prepared, **options)
        output.print(tabular.format_report(report, table), highlight=False)
        return

    from telco_mart.cli.progress import spinner
    from telco_mart.modelling.churn_model import format_metrics, train_churn_model
    from telco_mart.settings import DataLayout
    from telco_mart.spark_session import get_spark

    business_date = _default_date(date)
    with spinner(console, "starting Spark"):
        spark = get_spark("telco-mart-models")
    with spinner(console, f"training {task} on the mart as of {business_date}"):
        result = train_churn_model(spark, DataLayout.from_environment(), business_date)
    output.print(
        f"registered {task}/{result.version.version} (not promoted): trained on "
        f"{', '.join(f'{m:%Y-%m}' for m in result.split.training)} ({result.training_rows:,} rows), "
        f"validated on {result.split.validation:%Y-%m} ({result.validation_rows:,} rows)"
    )
    output.print(format_metrics(result.metrics, result.split.validation), highlight=False)
    output.print(f"files: {result.version.path}")


@models_app.command("list")
def models_list(task: TaskArgument) -> None:
    """The registered versions, newest last, with their validation metrics; * marks the champion."""
    from telco_mart.cli.progress import print_rows
    from telco_mart.modelling.registry import ModelRegistry
    from telco_mart.settings import DataLayout

    _, output = _console()
    _check_task(task)
    registry = ModelRegistry(DataLayout.from_environment())
    champion = registry.champion(task)
    rows = []
    for version in registry.versions(task):
        meta = version.metadata
        metrics = meta.get("metrics", {}).get("model") or {}
        rule = meta.get("metrics", {}).get("forwarded_share_rule") or {}
        rows.append(
            (
                ("* " if version.version == champion else "  ") + version.version,
                meta.get("trained_for_date", ""),
                meta.get("data_window", {}).get("validation_month", ""),
                f"{meta.get('training_rows', 0):,}",
                f"{metrics.get('roc_auc', float('nan')):.3f}",
                f"{metrics.get('pr_auc', float('nan')):.3f}",
                f"{metrics.get('lift_at_10pct', float('nan')):.2f}",
                f"{rule.get('roc_auc', float('nan')):.3f}",
                meta.get("code_version", ""),
            )
        )
    print_rows(
        output,
        ["version", "trained for", "validated on", "rows", "ROC AUC", "PR AUC", "lift@10%", "rule AUC", "code"],
        rows,
    )
    output.print(f"champion: {champion or '(none)'}")


@models_app.command("compare")
def models_compare(
    task: TaskArgument,
    version: Annotated[str, typer.Argument(help="The challenger version.")],
    date: OptionalDate = None,
) -> None:
    """Challenger against champion on the same latest labelled month (with the rule and the oracle)."""
    from telco_mart.cli.progress import spinner
    from telco_mart.modelling.churn_model import compare_models, format_metrics
    from telco_mart.modelling.registry import ModelRegistry
    from telco_mart.settings import DataLayout
    from telco_mart.spark_session import get_spark

    console, output = _console()
    _check_task(task)
    layout = DataLayout.from_environment()
    champion = ModelRegistry(layout).champion(task)
    versions = [version] + ([champion] if champion and champion != version else [])
    business_date = _default_date(date)  # a bad date fails before Spark starts
    with spinner(console, "starting Spark"):
        spark = get_spark("telco-mart-models")
    month, metrics = compare_models(spark, layout, business_date, versions)
    named = {(f"champion {k}" if k == champion else f"challenger {k}"): v for k, v in metrics.items() if k in versions}
    named |= {k: v for k, v in metrics.items() if k not in versions}
    output.print(format_metrics(named, month), highlight=False)
    if champion and champion != version:
        gain = metrics[version]["roc_auc"] - metrics[champion]["roc_auc"]
        output.print(f"challenger - champion ROC AUC: {gain:+.3f}")


@models_app.command("promote")
def models_promote(
    task: TaskArgument,
    version: Annotated[str, typer.Argument(help="The version to make champion.")],
    by: Annotated[str, typer.Option(help="Who promotes it (kept in the promotion log).")] = "",
    reason: Annotated[str, typer.Option(help="Why (kept in the promotion log).")] = "",
    date: Annotated[
        str | None, typer.Option(help="Business date it takes effect from (default: the latest built).")
    ] = None,
) -> None:
    """Make a version the champion that daily scoring uses."""
    import getpass

    from telco_mart.modelling.registry import ModelRegistry
    from telco_mart.settings import DataLayout

    _, output = _console()
    _check_task(task)
    record = ModelRegistry(DataLayout.from_environment()).promote(
        task, version, by or getpass.getuser(), reason or "promoted from the command line", _default_date(date)
    )
    output.print(
        f"{task}: champion is now {version} from {record['effective_date']} (was {record['previous_version'] or 'none'})"
    )


@tasks_app.command("run")
def tasks_run(date: Annotated[str, typer.Option(help="Business date, YYYY-MM-DD.")]) -> None:
    """Score the churn model, evaluate every task and write fct_task_targets for the date."""
    from telco_mart.pipeline.day import DayContext, run_day, stage_named
    from telco_mart.settings import DataLayout

    _, output = _console()
    # The day's task_models stage, exactly as the DAG and `telco-mart run` run it (and recorded).
    context = DayContext(
        parse_business_date(date), DataLayout.from_environment(), lambda m: output.print(m, highlight=False)
    )
    run_day(context, [stage_named("task_models")])


@tasks_app.command("validate")
def tasks_validate() -> None:
    """Check models/tasks.yaml and models/churn.yaml."""
    from telco_mart.modelling.churn_model import load_churn_config
    from telco_mart.modelling.estimator import build_classifier
    from telco_mart.tasks.config import load_task_config

    _, output = _console()
    config = load_task_config()
    churn = load_churn_config()
    build_classifier(list(churn.numeric), list(churn.categorical), seed=churn.seed, params=churn.params)
    output.print(
        f"{config.path}: {len(config.sub_tasks)} sub-tasks, target generation {config.target_generation}, "
        f"legacy {', '.join(g.generation for g in config.legacy_generations)}; churn model: "
        f"{len(churn.features)} features, OK"
    )


def lookup(
    key: Annotated[str, typer.Argument(help="Subscriber id or 11-digit mobile number.")],
    date: OptionalDate = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the view as JSON.")] = False,
) -> None:
    """Front desk: a subscriber's open tasks, recommended package with its figures, last retention result."""
    from telco_mart.cli.progress import spinner
    from telco_mart.settings import DataLayout
    from telco_mart.spark_session import get_spark
    from telco_mart.tasks.lookup import format_front_desk_view, front_desk_view

    console, output = _console()
    with spinner(console, "starting Spark"):
        spark = get_spark("telco-mart-lookup")
    view = front_desk_view(spark, DataLayout.from_environment(), key, parse_business_date(date) if date else None)
    if as_json:
        output.print_json(json.dumps(view.__dict__, default=str, ensure_ascii=False))
    else:
        output.print(format_front_desk_view(view), highlight=False)
