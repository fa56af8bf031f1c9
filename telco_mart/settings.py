"""Where telco-mart keeps its state: one data root for everything it writes.

The data root is ``$TELCO_MART_HOME`` (default ``./data``). Landing, raw, quarantine, mart,
audit, artifacts, exports, the Airflow home and the Spark warehouse all live under it, so
nothing lands in the repository or the current directory by accident.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

DATA_ROOT_VARIABLE = "TELCO_MART_HOME"
PROJECT_DIR_VARIABLE = "TELCO_MART_PROJECT_DIR"
# The installed package itself (its contract and Spark configuration travel inside it).
PACKAGE_DIR = Path(__file__).resolve().parent
# The project's folders the package reads: the dbt project and its tags, the expectations, the
# task models' configuration and the campaigns.
PROJECT_FOLDERS = ("dbt_project", "expectations", "models", "campaigns")
# A wheel carries a copy of those folders here (pyproject.toml, force-include).
PACKAGED_PROJECT_DIR = PACKAGE_DIR / "_project"


def project_dir() -> Path:
    """Where the project's folders (:data:`PROJECT_FOLDERS`) are read from.

    ``$TELCO_MART_PROJECT_DIR`` when set (a deployment's own dbt project, expectations, models
    and campaigns); else the checkout the package runs from; else, for a package installed as a
    wheel outside any checkout (a worker image, a console server), the copy packaged with it.
    """
    configured = os.environ.get(PROJECT_DIR_VARIABLE)
    if configured:
        return Path(configured).expanduser().resolve()
    checkout = PACKAGE_DIR.parent
    if (checkout / "dbt_project" / "dbt_project.yml").is_file():
        return checkout
    return PACKAGED_PROJECT_DIR


PROJECT_DIR = project_dir()


def data_root() -> Path:
    """The data root, absolute, from ``$TELCO_MART_HOME`` or ``./data``."""
    return Path(os.environ.get(DATA_ROOT_VARIABLE, "data")).expanduser().resolve()


@dataclass(frozen=True)
class DataLayout:
    """The folders under one data root, named once so every module agrees on them."""

    root: Path

    @classmethod
    def from_environment(cls) -> DataLayout:
        """The layout of the configured data root."""
        return cls(data_root())

    @property
    def landing(self) -> Path:
        """Where source systems drop their extracts."""
        return self.root / "landing"

    @property
    def late_landing(self) -> Path:
        """Where the generator holds back extracts that arrive late."""
        return self.root / "landing_late"

    @property
    def raw(self) -> Path:
        """Accepted rows as Parquet, one partition per business date (engineers only)."""
        return self.root / "raw"

    @property
    def quarantine(self) -> Path:
        """Rejected rows and whole rejected files, with reasons (engineers only)."""
        return self.root / "quarantine"

    @property
    def staging(self) -> Path:
        """Scratch space where partitions are written before they are swapped in."""
        return self.root / "_staging"

    @property
    def audit(self) -> Path:
        """Audit tables: one row per ingested file per run, daily reconciliations."""
        return self.root / "audit"

    @property
    def mart(self) -> Path:
        """The analyst-facing mart (masked)."""
        return self.root / "mart"

    @property
    def artifacts(self) -> Path:
        """Model registry and other produced artefacts."""
        return self.root / "artifacts"

    @property
    def exports(self) -> Path:
        """Channel exports."""
        return self.root / "exports"

    @property
    def campaign_state(self) -> Path:
        """Campaign lifecycle log, suppressions and daily campaign run summaries."""
        return self.root / "campaigns"

    @property
    def reports(self) -> Path:
        """HTML reports of each business date."""
        return self.root / "reports"

    @property
    def truth(self) -> Path:
        """The generator's sidecar truth: injected defects and hidden churn process."""
        return self.root / "truth"

    @property
    def airflow_home(self) -> Path:
        """``AIRFLOW_HOME`` for local runs (SQLite metadata DB, logs)."""
        return self.root / "airflow"

    @property
    def spark_warehouse(self) -> Path:
        """``spark.sql.warehouse.dir``."""
        return self.root / "spark-warehouse"

    @property
    def metastore(self) -> Path:
        """The embedded Derby metastore (one Spark process at a time)."""
        return self.root / "metastore_db"

    @property
    def spark_local(self) -> Path:
        """Spark's scratch directory (shuffle and spill files)."""
        return self.root / "spark-local"

    def landing_dir(self, source: str, business_date: date) -> Path:
        """``landing/<source>/<YYYYMMDD>/``."""
        return self.landing / source / f"{business_date:%Y%m%d}"

    def raw_table(self, source: str, table: str) -> Path:
        """``raw/<source>/<table>/`` (partitioned by ``dt=<YYYY-MM-DD>``)."""
        return self.raw / source / table.lower()

    def quarantine_table(self, source: str, table: str) -> Path:
        """``quarantine/<source>/<table>/`` (partitioned by ``dt=<YYYY-MM-DD>``)."""
        return self.quarantine / source / table.lower()

    def rejected_files_dir(self, source: str, table: str, business_date: date) -> Path:
        """Where the files of a rejected table-date are kept whole, beside their reason."""
        return self.quarantine / "_rejected_files" / source / table.lower() / f"dt={business_date:%Y-%m-%d}"


def partition_name(business_date: date) -> str:
    """The partition folder name of a business date: ``dt=YYYY-MM-DD``."""
    return f"dt={business_date:%Y-%m-%d}"
