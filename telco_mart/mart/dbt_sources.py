"""dbt source declarations generated from the interface contract and the declared job tables.

The staging layer reads the raw Parquet partitions by path (``parquet.`<path>```), so the
sources need no catalogue entries and ingestion never touches the Derby metastore. The YAML
is rendered from ``interfaces.yaml`` like ``docs/interfaces.md``, and a test fails when the
committed files are stale: edit the contract, then run ``telco-mart mart sources``.

The mart tables the Python jobs write (task models, campaigns) are declared in
``telco_mart/storage/job_tables.yaml``; their source file puts them in the dbt docs with every
column described and their keys tested (tests tagged ``job_tables``, left out of the daily build,
which runs before the jobs write, and run by ``telco-mart mart check-job-tables --date D``).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from telco_mart.contract import Contract, Source, Table, load_contract
from telco_mart.settings import PROJECT_DIR
from telco_mart.storage.declared import DECLARATIONS, DeclaredTable, declared_tables

STAGING_DIR = PROJECT_DIR / "dbt_project" / "models" / "staging"
HEADER = (
    "# Generated from telco_mart/contract/interfaces.yaml by `telco-mart mart sources`;\n"
    "# edit the contract, not this file.\n"
)
# dbt renders a source as <schema>.<identifier>: with the schema `parquet` and a back-quoted
# path as identifier, Spark SQL reads the partitioned Parquet folder directly.
RAW_PATH_IDENTIFIER = "`{{{{ env_var('TELCO_MART_HOME') }}}}/raw/{source}/{table}`"
MART_PATH_IDENTIFIER = "`{{{{ env_var('TELCO_MART_HOME') }}}}/mart/{table}`"
JOB_TABLES_SOURCE = "job_tables"
JOB_TABLES_FILE = (
    PROJECT_DIR / "dbt_project" / "models" / "marts" / JOB_TABLES_SOURCE / f"_{JOB_TABLES_SOURCE}__sources.yml"
)
JOB_TABLES_HEADER = (
    f"# Generated from telco_mart/storage/{DECLARATIONS.name} by `telco-mart mart sources`;\n"
    "# edit the declaration, not this file.\n"
)


def _on_the_date() -> dict:
    """A key test's config: read only the tested date's partition, and carry the tag the daily build leaves out."""
    return {"where": "business_date = '{{ var(\"business_date\") }}'", "tags": [JOB_TABLES_SOURCE]}


def _column_entry(table: Table, column_name: str) -> dict:
    column = table.column(column_name)
    description = column.description.rstrip(".") + "."
    if column.type == "msisdn":
        description += " Full number: engineers only, masked in every mart."
    # No dbt tests on sources: ingestion's row checks already enforce the contract on every
    # row, and a not_null over all raw traffic partitions would cost more than the build.
    return {"name": column.name, "description": description}


def _table_entry(table: Table) -> dict:
    name = table.name.lower()
    return {
        "name": name,
        "identifier": RAW_PATH_IDENTIFIER.format(source=table.source, table=name),
        "description": (
            f"{table.name}: {table.delivery.rstrip('.')}. {table.frequency.capitalize()} partitions "
            f"`dt=YYYY-MM-DD` under raw/{table.source}/{name}/; key: {', '.join(table.key) or 'none'}."
        ),
        "meta": {"frequency": table.frequency, "key": list(table.key)},
        "columns": [_column_entry(table, c) for c in table.column_names]
        + [{"name": "dt", "description": "Business date of the partition (the delivery date)."}],
    }


def render_source(source: Source) -> str:
    """The ``_<source>__sources.yml`` text of one source."""
    document = {
        "version": 2,
        "sources": [
            {
                "name": source.name,
                "description": f"{source.system}: {source.description} Encoding of the extracts: {source.encoding}.",
                "schema": "parquet",
                "quoting": {"database": False, "schema": False, "identifier": False},
                "tables": [_table_entry(t) for t in source.tables],
            }
        ],
    }
    return HEADER + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def source_file(source: Source, staging_dir: Path = STAGING_DIR) -> Path:
    """Where the source declaration of ``source`` lives."""
    return staging_dir / source.name / f"_{source.name}__sources.yml"


def write_sources(contract: Contract | None = None, staging_dir: Path = STAGING_DIR) -> list[Path]:
    """Write every source's declaration; returns the files written."""
    contract = contract or load_contract()
    written = []
    for source in contract.sources:
        path = source_file(source, staging_dir)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_source(source), encoding="utf-8")
        written.append(path)
    return written


def stale_sources(contract: Contract | None = None, staging_dir: Path = STAGING_DIR) -> list[Path]:
    """The declaration files that differ from what the contract renders."""
    contract = contract or load_contract()
    return [
        source_file(s, staging_dir)
        for s in contract.sources
        if not source_file(s, staging_dir).exists()
        or source_file(s, staging_dir).read_text(encoding="utf-8") != render_source(s)
    ]


def _job_table_entry(table: DeclaredTable) -> dict:
    key_columns = [k for k in table.unique_key if k != table.key]
    columns = [
        {"name": c.name, "description": c.description, "meta": {"type": c.type}}
        | ({"data_tests": [{"not_null": {"config": _on_the_date()}}]} if c.name in key_columns else {})
        for c in table.columns
    ]
    columns.append({"name": table.key, "description": "Business date the job wrote the row for (the partition)."})
    return {
        "name": table.name,
        "identifier": MART_PATH_IDENTIFIER.format(table=table.name),
        "description": f"{table.description} Grain: {table.grain}. Written by {table.written_by}.",
        "meta": {"grain": table.grain, "unique_key": list(table.unique_key), "written_by": table.written_by},
        "data_tests": [
            {
                "unique_combination_of_columns": {
                    "arguments": {"combination_of_columns": key_columns},
                    "config": _on_the_date(),
                }
            }
        ],
        "columns": columns,
    }


def render_job_tables(tables: dict[str, DeclaredTable] | None = None) -> str:
    """The ``_job_tables__sources.yml`` text: every declared job table as a dbt source."""
    tables = tables or declared_tables()
    document = {
        "version": 2,
        "sources": [
            {
                "name": JOB_TABLES_SOURCE,
                "description": (
                    "Mart tables written by the Python jobs after the dbt build (task models, campaigns, "
                    f"feedback), declared in telco_mart/storage/{DECLARATIONS.name}. Partitioned by business_date."
                ),
                "schema": "parquet",
                "quoting": {"database": False, "schema": False, "identifier": False},
                "tables": [_job_table_entry(t) for t in tables.values()],
            }
        ],
    }
    return JOB_TABLES_HEADER + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def write_job_tables_source(path: Path = JOB_TABLES_FILE) -> Path:
    """Write the job tables' source declaration; returns its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_job_tables(), encoding="utf-8")
    return path


def stale_job_tables_source(path: Path = JOB_TABLES_FILE) -> bool:
    """Whether the committed job tables' source file differs from what the declaration renders."""
    return not path.exists() or path.read_text(encoding="utf-8") != render_job_tables()
