"""The installed `telco-mart` command: help, clear one-line errors, exit codes."""

from __future__ import annotations

import os
import subprocess

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
