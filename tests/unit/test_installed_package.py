"""The package installed as a wheel, outside the checkout (a worker image, a console server):
it finds its dbt project, expectations, models and campaigns inside itself, and the CLI runs
without Airflow, which is an optional extra."""

from __future__ import annotations

import os
import subprocess
import zipfile
from email.parser import Parser

import pytest

from tests.conftest import REPOSITORY_ROOT, VENV_BIN


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The wheel built from the checkout and unpacked into a folder of its own, as pip would."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [str(VENV_BIN / "hatchling"), "build", "-t", "wheel", "-d", str(out)],
        cwd=REPOSITORY_ROOT,
        check=True,
        capture_output=True,
    )
    (wheel,) = out.glob("telco_mart-*.whl")
    site = tmp_path_factory.mktemp("site-packages")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    return site


def _python(site, code: str, tmp_path, **env) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(site), "TELCO_MART_HOME": str(tmp_path / "home"), **env}
    environment.pop("TELCO_MART_PROJECT_DIR", None)
    environment.update(env)
    return subprocess.run(
        [str(VENV_BIN / "python"), "-c", code], cwd=tmp_path, env=environment, capture_output=True, text=True
    )


def test_airflow_is_an_optional_extra(installed):
    (metadata,) = installed.glob("telco_mart-*.dist-info/METADATA")
    message = Parser().parsestr(metadata.read_text(encoding="utf-8"))
    requirements = message.get_all("Requires-Dist")
    airflow = [r for r in requirements if r.startswith("apache-airflow")]
    assert airflow and all("extra == 'airflow'" in r or 'extra == "airflow"' in r for r in airflow), airflow


def test_the_installed_package_reads_its_own_project_folders(installed, tmp_path):
    code = (
        "import sys, telco_mart, telco_mart.settings as s\n"
        "from telco_mart.mart.dbt_run import DBT_PROJECT_DIR\n"
        "from telco_mart.quality.suites import EXPECTATIONS_DIR\n"
        "from telco_mart.campaigns.definition import CAMPAIGNS_DIR, load_campaigns\n"
        "from telco_mart.tasks.config import load_task_config\n"
        "from telco_mart.tags.dbt_models import stale_tag_models\n"
        "print(telco_mart.__file__); print(s.PROJECT_DIR); print(DBT_PROJECT_DIR); print(EXPECTATIONS_DIR)\n"
        "print(sorted(load_campaigns())); print(len(load_task_config().sub_tasks)); print(stale_tag_models())\n"
    )
    result = _python(installed, code, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert lines[0] == str(installed / "telco_mart" / "__init__.py")
    project = installed / "telco_mart" / "_project"
    assert lines[1:4] == [str(project), str(project / "dbt_project"), str(project / "expectations")]
    assert "fit_3g_recommended" in lines[4] and int(lines[5]) > 0 and lines[6] == "[]"


def test_one_setting_points_the_package_at_a_deployment_s_own_folders(installed, tmp_path):
    result = _python(
        installed,
        "import telco_mart.settings as s; print(s.PROJECT_DIR)",
        tmp_path,
        TELCO_MART_PROJECT_DIR=str(tmp_path / "deployment"),
    )
    assert result.stdout.strip() == str(tmp_path / "deployment"), result.stderr


def test_the_cli_runs_without_airflow(installed, tmp_path):
    code = (
        "import sys\n"
        "sys.modules['airflow'] = None  # importing it would fail, as where the extra is not installed\n"
        "from telco_mart.cli.main import run_cli\n"
        "codes = [run_cli(a) for a in (['campaigns', 'validate'], ['tasks', 'validate'], ['runs', '--date', '2026-11-30'])]\n"
        "print(codes)\n"
    )
    result = _python(installed, code, tmp_path)
    assert result.returncode == 0 and result.stdout.strip().endswith("[0, 0, 0]"), result.stdout + result.stderr[-3000:]
