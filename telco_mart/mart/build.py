"""Build the mart for one business date: generate the tag models, plan, run ``dbt build``.

``dbt build`` runs the models and their tests in dependency order, so a failed test on a
mart stops everything downstream of it, and the run fails naming the failed nodes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from telco_mart.mart.dbt_run import DbtRun, raise_for_failures, run_dbt
from telco_mart.mart.dbt_sources import JOB_TABLES_SOURCE
from telco_mart.mart.plan import MartPlan, plan_mart_build
from telco_mart.settings import DataLayout


@dataclass(frozen=True)
class MartBuild:
    """What a mart build did."""

    plan: MartPlan
    run: DbtRun

    @property
    def models_built(self) -> int:
        """Models run successfully."""
        return sum(1 for n in self.run.nodes if n.unique_id.startswith("model.") and n.status == "success")

    @property
    def tests_passed(self) -> int:
        """Data and unit tests that passed."""
        return sum(1 for n in self.run.nodes if n.unique_id.startswith(("test.", "unit_test.")) and n.status == "pass")


def _run_for_date(arguments: list[str], business_date: date, layout: DataLayout) -> tuple[MartPlan, DbtRun]:
    """Check the committed generated models, plan the date, and run dbt with the plan as vars."""
    from telco_mart.errors import TelcoMartError
    from telco_mart.mart.dbt_sources import JOB_TABLES_FILE, stale_job_tables_source, stale_sources
    from telco_mart.tags.dbt_models import check_tag_models

    check_tag_models()
    stale = stale_sources() + ([JOB_TABLES_FILE] if stale_job_tables_source() else [])
    if stale:
        raise TelcoMartError(
            f"the dbt source declarations are stale ({', '.join(p.name for p in stale)}): "
            "run `telco-mart mart sources` and commit the result"
        )
    plan = plan_mart_build(business_date, layout)
    return plan, raise_for_failures(run_dbt(arguments, layout, plan.dbt_vars()))


def build_mart(
    business_date: date,
    layout: DataLayout | None = None,
    select: str | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> MartBuild:
    """Build (and test) the mart partitions of ``business_date``; raises ``DbtRunFailed`` on failure."""
    layout = layout or DataLayout.from_environment()
    progress(f"mart build {business_date}")
    # Intermediate views carry the business date they were built for: a partial build always
    # rebuilds its upstream too, so it never reads views of another date.
    # The job tables' key tests wait for the jobs: they run after them (`check_job_tables`).
    arguments = ["build", "--exclude", f"tag:{JOB_TABLES_SOURCE}"]
    if select:
        select = " ".join(part if part.startswith("+") else f"+{part}" for part in select.split())
        # A partial build runs only the tests whose every parent it builds: a relationship test
        # to a model left out would read a table this build did not (and on a new root never) write.
        arguments += ["--select", select, "--indirect-selection", "cautious"]
    plan, run = _run_for_date(arguments, business_date, layout)
    progress(
        f"mart build {business_date}: {len(plan.daily_dates)} daily partition(s), "
        f"{len(plan.billing_month_ends)} bill month(s), {len(run.nodes)} nodes"
    )
    return MartBuild(plan=plan, run=run)


def check_job_tables(business_date: date, layout: DataLayout | None = None) -> DbtRun:
    """Run the key tests of the tables the Python jobs wrote for ``business_date`` (``dbt test``
    on the ``job_tables`` source); raises ``DbtRunFailed`` naming each failed test."""
    return _run_for_date(
        ["test", "--select", f"tag:{JOB_TABLES_SOURCE}"], business_date, layout or DataLayout.from_environment()
    )[1]


def generate_docs(business_date: date, layout: DataLayout | None = None) -> DbtRun:
    """``dbt docs generate`` for the date; the site lands in ``$TELCO_MART_HOME/dbt/target``."""
    return _run_for_date(["docs", "generate"], business_date, layout or DataLayout.from_environment())[1]
