"""Has a source delivered everything due for a business date? (what the sensor asks)"""

from __future__ import annotations

from datetime import date

from telco_mart.contract import Contract, load_contract
from telco_mart.settings import DataLayout


def missing_files(
    source_name: str, business_date: date, layout: DataLayout | None = None, contract: Contract | None = None
) -> list[str]:
    """Control files due for ``business_date`` that have not landed, as landing paths.

    A control file is written last by the source system, so its presence means the
    table-date is complete (whether its parts are sound is checked at ingestion).
    """
    layout = layout or DataLayout.from_environment()
    contract = contract or load_contract()
    source = contract.source(source_name)
    directory = layout.landing_dir(source.name, business_date)
    return [
        str(directory / contract.control_file_name(table.name, business_date))
        for table in source.tables
        if table.is_due(business_date)
        and not (directory / contract.control_file_name(table.name, business_date)).exists()
    ]
