"""Render the interface contract as Markdown for people (docs/interfaces.md)."""

from __future__ import annotations

from telco_mart.contract import Contract, load_contract


def render_markdown(contract: Contract | None = None) -> str:
    """The whole contract as a Markdown document."""
    contract = contract or load_contract()
    out = [
        "# Source interface contract",
        "",
        "Generated from `telco_mart/contract/interfaces.yaml` by `telco-mart contract-docs`; edit the YAML, "
        "not this file. The generator, the ingestion schemas and later the dbt sources and quality suites "
        "all read the same YAML.",
        "",
        "## Files",
        "",
        f"* Parts: `landing/<source>/<YYYYMMDD>/{contract.file_pattern}` "
        "(gzip; a large extract comes in several numbered parts so that parsing runs on every core).",
        f"* Control file: `landing/<source>/<YYYYMMDD>/{contract.control_pattern}`, written last: header "
        "`file_name|row_count|byte_size|md5`, then one line per part (rows of the decompressed part; "
        "size and MD5 of the compressed file).",
        f"* Delimiter `{contract.delimiter}`, no header, no quoting, `\\n` line ends; empty field = missing.",
        "* Types: `date` yyyyMMdd, `timestamp` yyyyMMddHHmmss (province local time), `month` yyyyMM, "
        "`flag` 0/1, `decimal(p,s)` with a dot, `msisdn` 11 digits starting with 1.",
        "* Monthly tables arrive on the last day of the month; daily tables every day.",
        "",
        "## Sources",
        "",
        "| source | system | encoding | tables |",
        "| --- | --- | --- | --- |",
    ]
    for source in contract.sources:
        out.append(
            f"| `{source.name}` | {source.system} | {source.encoding} | "
            + ", ".join(f"`{t.name}`" for t in source.tables)
            + " |"
        )
    for source in contract.sources:
        out += ["", f"## {source.system} (`{source.name}`, {source.encoding})", "", source.description]
        for table in source.tables:
            out += [
                "",
                f"### `{table.name}`",
                "",
                f"{table.frequency}, {'required' if table.required else 'optional'}; {table.delivery}. "
                f"Key: {', '.join(f'`{k}`' for k in table.key) or 'none (event records)'}. "
                f"Parts of up to {table.part_rows:,} rows, at least {table.min_parts}.",
                "",
                "| # | column | type | required | codes / reference | description |",
                "| --- | --- | --- | --- | --- | --- |",
            ]
            for number, column in enumerate(table.columns, start=1):
                extra = f"codes `{column.codes}`" if column.codes else ""
                if column.references:
                    extra = f"references `{column.references}`"
                out.append(
                    f"| {number} | `{column.name}` | {column.type} | {'yes' if column.required else ''} | "
                    f"{extra} | {column.description} |"
                )
    out += ["", "## Code lists", "", "| list | values |", "| --- | --- |"]
    for name, values in contract.code_lists.items():
        out.append(f"| `{name}` | {', '.join(f'`{v}`' for v in values)} |")
    out += [
        "",
        "## Reason codes",
        "",
        "See `telco_mart/contract/reasons.py`: row reasons (quarantined row) and "
        "file reasons (whole table-date rejected, files kept under `quarantine/_rejected_files/`).",
        "",
    ]
    return "\n".join(out)
