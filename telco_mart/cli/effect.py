"""The ``telco-mart effect`` command: a campaign's uplift over its control group, from any table.

A thin shell over ``telco_mart.campaigns.measurement.stats``, the module behind every effect figure in the
project, so the analyst's numbers match the daily effect table and the approval check.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    import pandas as pd

    from telco_mart.campaigns.measurement.stats import Effect


def effect(
    table: Annotated[
        Path, typer.Option(help="CSV file, Parquet file or folder of Parquet files: one row per subject.")
    ],
    arm: Annotated[str, typer.Option(help="The column naming each subject's arm (compared as text).")],
    control: Annotated[str, typer.Option(help="The arm value of the control group.")],
    outcome: Annotated[
        list[str], typer.Option(help="An outcome column (repeatable): 0/1 values give a rate, others a mean.")
    ],
    confidence: Annotated[float, typer.Option(help="Confidence level of the intervals.")] = 0.95,
) -> None:
    """Uplift of each arm over the control group per outcome, with its interval and p-value."""
    from telco_mart.campaigns.measurement.stats import EffectInputError, effects_from_frame, format_effects
    from telco_mart.errors import TelcoMartError

    if not 0 < confidence < 1:
        raise typer.BadParameter(f"--confidence must lie strictly between 0 and 1, not {confidence}")
    frame = _read_table(table)
    try:
        effects = effects_from_frame(frame, arm, control, outcome, confidence)
    except EffectInputError as error:
        raise TelcoMartError(f"table {table}: {error}") from error
    typer.echo(f"{table}: {len(frame):,} rows; arm column {arm!r}, control {control.strip()!r}")
    typer.echo(format_effects(effects))
    for line in _group_lines(effects, control.strip()):
        typer.echo(line)


def _read_table(path: Path) -> pd.DataFrame:
    """The table as a frame: a CSV with every column as text (the arm values compare as text and
    the outcomes are parsed by the stats module, which names the bad row), or Parquet as stored."""

    from telco_mart.errors import TelcoMartError
    from telco_mart.table_files import read_table_file

    return read_table_file(path, "table", TelcoMartError, allow_folder=True)


def _group_lines(effects: list[Effect], control: str) -> list[str]:
    """One line per arm: its size and the control's, and the outcome values left out as missing."""
    lines = []
    for arm in dict.fromkeys(effect.arm for effect in effects):
        of_arm = [effect for effect in effects if effect.arm == arm]
        first = of_arm[0]
        line = (
            f"arm {arm!r}: {first.n_arm + first.n_missing_arm:,} subjects, "
            f"control {control!r}: {first.n_control + first.n_missing_control:,} subjects"
        )
        missing = [
            f"{e.outcome} {e.n_missing_arm:,} in the arm and {e.n_missing_control:,} in control"
            for e in of_arm
            if e.n_missing_arm or e.n_missing_control
        ]
        lines.append(line + (f"; missing values left out: {', '.join(missing)}" if missing else ""))
    return lines
