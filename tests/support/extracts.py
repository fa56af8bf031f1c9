"""Hand-made extracts for tests: write lines of a contract table as landed parts."""

from __future__ import annotations

from datetime import date

from telco_mart.contract import Contract
from telco_mart.landing.writer import write_extract
from telco_mart.settings import DataLayout

STORE_LINES = [
    "ST001|太原迎泽营业厅|taiyuan|迎泽区|retail_counter|120",
    "ST002|大同平城营业厅|datong|平城区|retail_counter|abc",
    "ST003|长治营业厅|changzhi|潞州区|outbound_call|80",
    "ST001|重复的厅|taiyuan|迎泽区|retail_counter|5",
]


def land_lines(contract: Contract, layout: DataLayout, table_name: str, day: date, lines: list[str], parts: int = 1):
    """Write ``lines`` as ``parts`` numbered parts plus the control file, in the source's encoding."""
    table = contract.table(table_name)
    size = -(-len(lines) // parts)
    texts = [("\n".join(lines[i : i + size]) + "\n").encode(table.encoding) for i in range(0, len(lines), size)]
    return write_extract(contract, table, day, layout.landing_dir(table.source, day), texts)


def ingest_and_reconcile(spark, business_dates, layout):
    """Ingest every source for the dates in one go and reconcile each date (a failed date is
    reported, not raised): the start of the day for tests that look at rejected deliveries."""
    from telco_mart.pipeline.reconcile import reconcile, write_reconciliation
    from telco_mart.pipeline.run import ingest_dates

    ingestions = ingest_dates(spark, list(business_dates), layout=layout)
    reconciliations = []
    for business_date in business_dates:
        verdict = reconcile(business_date, layout)
        write_reconciliation(verdict, layout)
        reconciliations.append(verdict)
    return ingestions, reconciliations
