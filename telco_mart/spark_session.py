"""The one place that builds a SparkSession, local or cluster, from configuration.

The master is ``$TELCO_MART_SPARK_MASTER`` (default ``local[*]``) and the settings come from
``telco_mart/config/spark.yaml`` (or ``$TELCO_MART_SPARK_CONF``), so the same jobs run on a
laptop and on a cluster without a code change. All Spark state (warehouse, Derby metastore,
scratch) is kept under the data root. On a cluster the package's code is shipped to the
executors as a zip archive, as ``spark-submit --py-files`` would.
"""

from __future__ import annotations

import os
import sys
import zipfile
from importlib import resources
from pathlib import Path

import yaml

from telco_mart.settings import PACKAGE_DIR, DataLayout
from telco_mart.storage.files import replacing

MASTER_VARIABLE = "TELCO_MART_SPARK_MASTER"
CONF_VARIABLE = "TELCO_MART_SPARK_CONF"
PY_FILES_VARIABLE = "TELCO_MART_PY_FILES"
DEFAULT_MASTER = "local[*]"
DEFAULT_CONF = "spark.yaml"  # inside the package, so it travels in the shipped archive
PACKAGE_ARCHIVE_NAME = "telco_mart_code.zip"


def spark_master() -> str:
    """The configured Spark master URL."""
    return os.environ.get(MASTER_VARIABLE, DEFAULT_MASTER)


def launched_by_spark_submit() -> bool:
    """Whether spark-submit started this process (it then owns the master and --py-files)."""
    return "PYSPARK_GATEWAY_PORT" in os.environ


def is_local_master(master: str) -> bool:
    """Whether ``master`` runs everything in this process (``local``, ``local[N]``...)."""
    return master.startswith("local")


def spark_settings(master: str | None, layout: DataLayout) -> dict[str, str]:
    """Spark settings: the config file's common part, the sizing profile of ``master`` (none
    when spark-submit owns the sizing, ``master=None``), and the data-root paths."""
    override = os.environ.get(CONF_VARIABLE)
    text = (
        Path(override).read_text(encoding="utf-8")
        if override
        else resources.files("telco_mart.config").joinpath(DEFAULT_CONF).read_text(encoding="utf-8")
    )
    profiles = yaml.safe_load(text) or {}
    settings = dict(profiles.get("common", {}))
    if master is not None:
        settings.update(profiles.get("local" if is_local_master(master) else "cluster", {}))
    # Spark generates very large methods for wide row checks; the JIT skips methods over 8 KB
    # of bytecode unless told otherwise, which made parsing several times slower.
    java_options = f"-Dderby.system.home={layout.root} -XX:-DontCompileHugeMethods"
    settings.update(
        {
            "spark.sql.warehouse.dir": str(layout.spark_warehouse),
            "spark.local.dir": str(layout.spark_local),
            "spark.driver.extraJavaOptions": java_options,
            "spark.executor.extraJavaOptions": "-XX:-DontCompileHugeMethods",
            # Python workers use this interpreter unless the deployment names its own.
            "spark.pyspark.python": os.environ.get("PYSPARK_PYTHON", sys.executable),
            "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={layout.metastore};create=true",
        }
    )
    return {key: str(value) for key, value in settings.items()}


def build_package_archive(layout: DataLayout) -> Path:
    """Zip the ``telco_mart`` package for the executors; rebuilt on every session start."""
    target_dir = layout.root / "_build"
    target_dir.mkdir(parents=True, exist_ok=True)
    archive = target_dir / PACKAGE_ARCHIVE_NAME
    with replacing(archive) as temporary, zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(PACKAGE_DIR.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                bundle.write(path, path.relative_to(PACKAGE_DIR.parent))
    return archive


def get_spark(app_name: str = "telco-mart", layout: DataLayout | None = None, *, catalog: bool = False):
    """Get or create the SparkSession for this process, configured from the settings file.

    ``catalog=True`` adds the Hive catalogue (the Derby metastore under the data root). Only the
    dbt run asks for it: Derby admits one process, so every other job reads and writes paths.
    """
    from pyspark.sql import SparkSession

    layout = layout or DataLayout.from_environment()
    layout.root.mkdir(parents=True, exist_ok=True)
    # Under spark-submit the master, sizing and --py-files are the submitter's to choose.
    master = None if launched_by_spark_submit() else spark_master()
    # PySpark starts its Python workers with $PYSPARK_PYTHON: make it this interpreter.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName(app_name)
    if catalog:
        builder = builder.enableHiveSupport()
    if master is not None:
        builder = builder.master(master)
    for key, value in spark_settings(master, layout).items():
        builder = builder.config(key, value)
    active = SparkSession.getActiveSession()
    if catalog and active is not None and active.conf.get("spark.sql.catalogImplementation") != "hive":
        # A process that ran path-based jobs first (`airflow dags test` runs every task in one
        # process) holds a session without the catalogue; the catalogue is a static setting.
        active.stop()
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    if master is not None and not is_local_master(master):
        # Executors on a cluster do not have the driver's environment: ship the code.
        shipped = os.environ.get(PY_FILES_VARIABLE) or str(build_package_archive(layout))
        for path in shipped.split(","):
            spark.sparkContext.addPyFile(path)
    return spark
