"""The churn-model notebook runs top to bottom on the tiny set after the daily DAG trained a champion,
and draws its figures. It runs from a temporary copy: outputs never reach the repository's file."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.conftest import REPOSITORY_ROOT, TINY_END

pytestmark = pytest.mark.slow
NOTEBOOK = REPOSITORY_ROOT / "notebooks" / "churn_model.ipynb"


# The session's DAG fixture may run inside this test (when it runs alone): allow for both.
@pytest.mark.timeout(2400)
def test_the_churn_notebook_runs_on_the_tiny_set_and_draws_its_figures(daily_dag_run, tiny_dataset, tmp_path):
    import nbformat
    from nbclient import NotebookClient

    output = daily_dag_run.stdout + daily_dag_run.stderr
    assert daily_dag_run.returncode == 0, output[-5000:]

    copy = tmp_path / NOTEBOOK.name
    shutil.copy(NOTEBOOK, copy)
    notebook = nbformat.read(copy, as_version=4)
    # The kernel starts its own Spark: it must not find this process's gateway.
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYSPARK_GATEWAY")}
    env.update({"TELCO_MART_HOME": str(tiny_dataset.root), "TELCO_MART_NOTEBOOK_DATE": TINY_END})
    client = NotebookClient(
        notebook, kernel_name="python3", timeout=600, resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute(env=env)  # raises CellExecutionError, naming the cell, if any cell fails

    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 3  # importance, calibration, lift and capture
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert f"business date {TINY_END}" in text and "evaluation month 2026-08" in text
    # The repository's file is untouched and, as committed, holds no outputs.
    committed = [cell for cell in nbformat.read(NOTEBOOK, as_version=4).cells if cell.cell_type == "code"]
    assert all(not cell.outputs and cell.execution_count is None for cell in committed)
