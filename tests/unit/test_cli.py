"""The installed `telco-mart` command: help, clear one-line errors, exit codes."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.conftest import VENV_BIN


def _cli(*args: str, home=None) -> subprocess.CompletedProcess:
    env = {**os.environ, **({"TELCO_MART_HOME": str(home)} if home else {})}
    return subprocess.run([str(VENV_BIN / "telco-mart"), *args], capture_output=True, text=True, env=env, timeout=120)


def test_help_lists_the_commands():
    result = _cli("--help")
    assert result.returncode == 0
    for command in ("generate", "ingest", "run", "audit", "summary", "deliver-late", "contract-docs"):
        assert command in result.stdout


def test_a_bad_date_is_one_clear_line_and_exit_1(tmp_path):
    result = _cli("run", "--date", "2026-13-01", home=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == "error: not a business date: '2026-13-01' (expected YYYY-MM-DD)"
    assert "Traceback" not in result.stderr


def test_debug_shows_the_traceback(tmp_path):
    result = _cli("--debug", "run", "--date", "2026-13-01", home=tmp_path)
    assert result.returncode == 1 and "Traceback" in result.stderr


def test_a_range_backwards_is_refused(tmp_path):
    result = _cli("run", "--start-date", "2026-11-30", "--end-date", "2026-11-01", home=tmp_path)
    assert result.returncode == 1 and "before start date" in result.stderr


def test_audit_of_a_date_never_ingested(tmp_path):
    result = _cli("audit", "--date", "2026-11-30", home=tmp_path)
    assert result.returncode == 0 and "no audit rows" in result.stdout


def test_models_train_on_a_table_prints_cross_validated_metrics(tmp_path):
    import numpy as np

    rng = np.random.default_rng(3)
    rows = ["id,tenure,charges,plan,Churn"]
    for index in range(400):
        tenure = int(rng.integers(1, 72))
        churn = rng.random() < (0.6 if tenure < 12 else 0.1)
        charges = " " if index % 50 == 0 else f"{rng.uniform(20, 120):.2f}"
        rows.append(f"c{index},{tenure},{charges},{rng.choice(['a', 'b'])},{'Yes' if churn else 'No'}")
    table = tmp_path / "churn.csv"
    table.write_text("\n".join(rows) + "\n")
    result = _cli("models", "train", "churn", "--table", str(table), "--label", "Churn", "--id", "id", "--folds", "3")
    assert result.returncode == 0, result.stderr
    assert "3-fold stratified cross-validation" in result.stdout and "ROC AUC" in result.stdout
    assert "charges: 8 blank value(s) read as missing numbers" in result.stdout


def test_models_train_names_a_missing_label_column(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("id,x,y\n1,2,Yes\n")
    result = _cli("models", "train", "churn", "--table", str(table), "--label", "Churn", "--id", "id")
    assert result.returncode == 1 and "Churn" in result.stderr and "Traceback" not in result.stderr


def test_unknown_model_task_is_refused(tmp_path):
    result = _cli("models", "list", "renewal", home=tmp_path)
    assert result.returncode != 0 and "unknown model task" in (result.stdout + result.stderr)


# One command of every group: a usage error (an option that does not exist) exits 2 with Typer's
# own message; an expected error (a date that is not a date, a missing file) exits 1 on one line.
COMMAND_GROUPS = [
    ["generate", "--end-date", "2026-11-31"],
    ["ingest", "--date", "2026-11-31"],
    ["run", "--date", "2026-11-31"],
    ["quality", "raw", "--date", "2026-11-31"],
    ["runs", "--date", "2026-11-31"],
    ["audit", "--date", "2026-11-31"],
    ["summary", "--start-date", "2026-11-31", "--end-date", "2026-11-30"],
    ["deliver-late", "--date", "2026-11-31"],
    ["mart", "build", "--date", "2026-11-31"],
    ["sql", "select 1", "--date", "2026-11-31"],
    ["tags", "count", "not a (valid", "--date", "2026-11-31"],
    ["models", "compare", "churn", "v1", "--date", "2026-11-31"],
    ["tasks", "run", "--date", "2026-11-31"],
    ["lookup", "S0000000001", "--date", "2026-11-31"],
    ["campaigns", "preview", "fit_3g_recommended", "--date", "2026-11-31"],
    ["effect", "--table", "missing.csv", "--arm", "a", "--control", "b", "--outcome", "c"],
    ["report", "--date", "2026-11-31"],
]


@pytest.mark.parametrize("arguments", COMMAND_GROUPS, ids=lambda a: " ".join(a[:2]))
def test_exit_codes_of_every_command_group(arguments, tmp_path, monkeypatch, capsys):
    from telco_mart.cli.main import EXIT_ERROR, EXIT_OK, EXIT_USAGE, run_cli

    monkeypatch.setenv("TELCO_MART_HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    command = [a for a in arguments if not a.startswith("-")][:2]
    group = command[:2] if command[0] in ("mart", "tags", "models", "tasks", "campaigns") else command[:1]
    assert run_cli([*group, "--help"]) == EXIT_OK
    assert run_cli([*group, "--no-such-option"]) == EXIT_USAGE
    assert "No such option: --no-such-option" in capsys.readouterr().err
    assert run_cli(arguments) == EXIT_ERROR
    error = capsys.readouterr().err.strip()
    assert error.startswith("error: ") and "\n" not in error and "Traceback" not in error, error


def test_ctrl_c_exits_130(tmp_path):
    """A real SIGINT to the installed command, in the middle of generating extracts."""
    import signal
    import time

    env = {**os.environ, "TELCO_MART_HOME": str(tmp_path)}
    process = subprocess.Popen(
        [str(VENV_BIN / "telco-mart"), "generate", "--end-date", "2026-11-30", "--subscribers", "3000000"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(4)  # past the imports, building the subscribers
    assert process.poll() is None, process.communicate()
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr[-2000:]
    assert "Traceback" not in stderr
