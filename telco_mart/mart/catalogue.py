"""Keep the Spark catalogue in step with the mart's files.

The mart's truth is its Parquet folders under ``$TELCO_MART_HOME/mart``; the metastore only
indexes them. When the index is missing a table whose folder exists (a new or reset Derby
metastore, a new Thrift Server, a build run in a process without the catalogue), dbt would
see no table and try to create it over the existing folder. So before dbt runs, every such
folder is registered again, partitions included, and history is kept.
"""

from __future__ import annotations

from pathlib import Path

from telco_mart.settings import DataLayout

MART_SCHEMA = "mart"
PARTITION_COLUMNS = ("business_date", "billing_month")


def mart_table_folders(layout: DataLayout) -> list[Path]:
    """The mart's table folders that hold data, by name (a table with no rows yet has no schema)."""
    if not layout.mart.is_dir():
        return []
    folders = (p for p in layout.mart.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))
    return sorted(folder for folder in folders if any(folder.rglob("*.parquet")))


def register_mart_tables(spark, layout: DataLayout, schema: str = MART_SCHEMA) -> list[str]:
    """Register mart folders the catalogue does not know; returns the tables registered."""
    folders = mart_table_folders(layout)
    if not folders:
        return []
    spark.sql(f"create database if not exists `{schema}`")
    registered = []
    for folder in folders:
        if spark.catalog.tableExists(f"{schema}.{folder.name}"):
            continue
        partitions = [c for c in PARTITION_COLUMNS if any(folder.glob(f"{c}=*"))]
        # Spark wants the column list spelled out with PARTITIONED BY: take it from the files.
        fields = spark.read.parquet(str(folder)).schema.fields
        columns = ", ".join(f"`{f.name}` {f.dataType.simpleString()}" for f in fields)
        partitioned_by = f" partitioned by ({', '.join(partitions)})" if partitions else ""
        location = str(folder).replace("'", "\\'")
        spark.sql(
            f"create table `{schema}`.`{folder.name}` ({columns}) using parquet{partitioned_by} location '{location}'"
        )
        if partitions:
            spark.sql(f"msck repair table `{schema}`.`{folder.name}`")
        registered.append(folder.name)
    return registered
