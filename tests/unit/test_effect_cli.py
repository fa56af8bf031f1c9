"""`telco-mart effect` on CSV and Parquet tables: the printed rates, means and group sizes, and
one clear error naming the file for a missing column, an absent control or a bad value."""

from __future__ import annotations

import re

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from telco_mart.campaigns.measurement.stats import effects_from_frame
from telco_mart.cli.effect import effect
from telco_mart.errors import TelcoMartError

app = typer.Typer()
app.command()(effect)


def _campaign() -> pd.DataFrame:
    """Control 20 subjects (2 converted), sms 20 (5 converted, one revenue missing), app 10 (4)."""
    arms = ["control"] * 20 + ["sms"] * 20 + ["app"] * 10
    converted = [1] * 2 + [0] * 18 + [1] * 5 + [0] * 15 + [1] * 4 + [0] * 6
    revenue = [8.0, 12.0] * 10 + [10.0, 15.0] * 10 + [14.0, 16.0] * 5
    revenue[21] = None
    return pd.DataFrame({"subscriber_id": range(50), "arm": arms, "is_converted": converted, "revenue_yuan": revenue})


def _invoke(table, *extra: str):
    arguments = ["--table", str(table), "--arm", "arm", "--control", "control"]
    return CliRunner().invoke(app, [*arguments, "--outcome", "is_converted", "--outcome", "revenue_yuan", *extra])


def _table_rows(stdout: str) -> dict[tuple[str, str], list[str]]:
    rows = {}
    for line in stdout.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) == 10 and cells[2] in ("proportion", "mean"):
            rows[(cells[0], cells[1])] = cells
    return rows


def _check_printed_effects(stdout: str) -> None:
    rows = _table_rows(stdout)
    assert sorted(rows) == [
        ("app", "is_converted"),
        ("app", "revenue_yuan"),
        ("sms", "is_converted"),
        ("sms", "revenue_yuan"),
    ]
    assert rows["sms", "is_converted"][3:8] == ["20", "20", "25.00%", "10.00%", "+15.00 pp"]
    assert rows["app", "is_converted"][3:8] == ["10", "20", "40.00%", "10.00%", "+30.00 pp"]
    assert rows["sms", "revenue_yuan"][2:8] == ["mean", "19", "20", "12.37", "10.00", "+2.37"]
    assert rows["app", "revenue_yuan"][5:8] == ["15.00", "10.00", "+5.00"]
    # The interval and p-value are the stats module's, formatted.
    [expected] = [e for e in effects_from_frame(_campaign(), "arm", "control", ["is_converted"]) if e.arm == "app"]
    assert rows["app", "is_converted"][8] == f"[{expected.ci_low * 100:+.2f}, {expected.ci_high * 100:+.2f}] pp"
    assert rows["app", "is_converted"][9] == f"{expected.p_value:.4f}"
    assert "arm 'app': 10 subjects, control 'control': 20 subjects" in stdout
    assert (
        "arm 'sms': 20 subjects, control 'control': 20 subjects; missing values left out: "
        "revenue_yuan 1 in the arm and 0 in control"
    ) in stdout


def test_effect_on_a_csv_prints_rates_means_and_group_sizes(tmp_path):
    table = tmp_path / "campaign.csv"
    _campaign().to_csv(table, index=False)
    result = _invoke(table)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{table}: 50 rows; arm column 'arm', control 'control'")
    _check_printed_effects(result.stdout)


def test_effect_on_a_parquet_file_and_a_folder_of_parts(tmp_path):
    frame = _campaign().astype({"is_converted": bool})
    frame.to_parquet(tmp_path / "campaign.parquet", index=False)
    result = _invoke(tmp_path / "campaign.parquet")
    assert result.exit_code == 0, result.output
    _check_printed_effects(result.stdout)

    folder = tmp_path / "campaign_parts"
    folder.mkdir()
    frame.iloc[:25].to_parquet(folder / "part-00000.parquet", index=False)
    frame.iloc[25:].to_parquet(folder / "part-00001.parquet", index=False)
    (folder / "_SUCCESS").touch()
    result = _invoke(folder)
    assert result.exit_code == 0, result.output
    _check_printed_effects(result.stdout)


def test_confidence_option_labels_the_interval(tmp_path):
    table = tmp_path / "campaign.csv"
    _campaign().to_csv(table, index=False)
    result = _invoke(table, "--confidence", "0.9")
    assert result.exit_code == 0, result.output
    assert "90% CI" in result.stdout
    assert _invoke(table, "--confidence", "1.5").exit_code == 2  # a usage error


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop(columns="revenue_yuan"), "column 'revenue_yuan' not in the table; its columns: subscriber_id, arm, is_converted"),
        (lambda f: f.replace({"arm": {"control": "holdout"}}), "control value 'control' not in column 'arm'; values found: 'app', 'holdout', 'sms'"),
        (lambda f: f.astype({"revenue_yuan": str}).replace({"revenue_yuan": {"12.0": "12,0"}}), "outcome column 'revenue_yuan', data row 2: '12,0' is not a finite number"),
        (lambda f: f.replace({"arm": {"app": ""}}), "arm column 'arm', data row 41: the arm value is missing"),
    ],
)  # fmt: skip
def test_errors_name_the_file_column_and_row(tmp_path, change, message):
    table = tmp_path / "campaign.csv"
    change(_campaign()).to_csv(table, index=False)
    result = _invoke(table)
    assert result.exit_code == 1
    assert isinstance(result.exception, TelcoMartError)
    assert str(result.exception) == f"table {table}: {message}"


def test_a_missing_or_unreadable_table_is_named(tmp_path):
    result = _invoke(tmp_path / "nowhere.csv")
    assert (
        isinstance(result.exception, TelcoMartError)
        and str(result.exception) == f"table {tmp_path}/nowhere.csv not found"
    )
    (tmp_path / "campaign.xlsx").write_text("not a table")
    result = _invoke(tmp_path / "campaign.xlsx")
    assert "unknown file type" in str(result.exception)
    (tmp_path / "broken.parquet").write_text("not parquet")
    result = _invoke(tmp_path / "broken.parquet")
    assert str(result.exception).startswith(f"table {tmp_path}/broken.parquet cannot be read:")
    (tmp_path / "empty").mkdir()
    assert "is a folder without Parquet files" in str(_invoke(tmp_path / "empty").exception)
