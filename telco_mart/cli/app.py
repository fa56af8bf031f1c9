"""The ``telco-mart`` command line: generate, ingest, run, audit, and friends.

Each command is a thin shell over a package function, so the CLI, the Airflow DAG and the
tests exercise the same code. Errors print one line naming the file, row and reason; the
full traceback only with ``--debug`` (``telco_mart.cli.main``). Every command lives in a module
of this package by group; this module only assembles them.
"""

from __future__ import annotations

from typing import Annotated

import typer

from telco_mart.cli import campaigns, effect, mart, models, pipeline, report, tags

app = typer.Typer(
    help="telco-mart: batch data mart for a mobile operator's precision marketing.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _main(debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks on errors.")] = False) -> None:
    """telco-mart: batch data mart for a mobile operator's precision marketing."""


for command in (pipeline.generate, pipeline.ingest, pipeline.run, pipeline.quality, pipeline.runs, pipeline.audit):
    app.command()(command)
app.command()(pipeline.summary)
app.command("deliver-late")(pipeline.deliver_late)
app.command("contract-docs")(pipeline.contract_docs)
app.add_typer(mart.mart_app, name="mart")
app.command()(mart.sql)
app.add_typer(tags.tags_app, name="tags")
app.add_typer(models.models_app, name="models")
app.add_typer(models.tasks_app, name="tasks")
app.command("lookup")(models.lookup)
app.add_typer(campaigns.campaigns_app, name="campaigns")
app.command("effect")(effect.effect)
app.command("report")(report.report)
