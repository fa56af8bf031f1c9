"""The daily channel export files: the only place full MSISDNs leave the mart.

One folder per channel and business date, ``exports/<channel>/<YYYY-MM-DD>/``, holding:

* the data file, UTF-8 without BOM, ``\\n`` line ends;
* ``MANIFEST.json``: rows, bytes, SHA-256 of the data file, schema version, columns, sort order,
  the campaign ids in it, the configuration hash, the model versions, and how many rows the
  publish-time do-not-disturb / blacklist check removed (``removed_at_publish``);
* ``_DONE``, written last, in ``sha256sum`` format (``<sha256>  <file name>``). A channel
  system picks up a folder only once its done flag is there.

Formats and row order (every order is total, so a rerun on the same rows, in any order, writes
the same bytes; nulls sort last):

* ``outbound_call``, ``OUTBOUND_CALL_<yyyymmdd>.txt``: pipe-delimited with a header line, no
  quoting; a ``|``, CR or LF inside a value is replaced by a space. Order: priority descending,
  campaign_id, subscriber_id, contact_id.
* ``sms``, ``SMS_<yyyymmdd>.csv``: CSV with a header, RFC 4180 quoting (only where needed);
  ``parameters`` as compact JSON. Order: campaign_id, subscriber_id, contact_id.
* ``retail_counter``, ``FRONT_DESK_<yyyymmdd>.csv``: the assist-sale file, one row per
  subscriber; lists and dicts as compact JSON (list order as given: the caller sorts them),
  money with 2 decimals (half up). Order: store_id, subscriber_id.
* ``app``, ``APP_<yyyymmdd>.jsonl``: JSON Lines, keys in column order. Order: campaign_id,
  subscriber_id, contact_id.

JSON is written with sorted keys (inside values), ``ensure_ascii=False`` and no spaces. In the
text formats a null is an empty field, so an empty string reads back as null. No timestamp,
host or run id goes into a file or a manifest.

The folder is written beside its final place, then swapped in (old folder renamed aside, new one
renamed in, old one deleted); the old done flag is removed before the swap and the new one
written after it, so a done flag never stands next to a file being replaced. Just before
publishing, rows of subscribers that the latest extract marks do-not-disturb or blacklisted are
dropped: the campaign job checked them too, but the file must hold the latest word.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from telco_mart.campaigns.channels import CHANNELS, EXPORT_FORMATS
from telco_mart.campaigns.channels.base import ExportFormat
from telco_mart.errors import TelcoMartError
from telco_mart.settings import DataLayout

EXPORT_SCHEMA_VERSION = 1
MANIFEST_FILE = "MANIFEST.json"
DONE_FILE = "_DONE"


class ExportError(TelcoMartError):
    """An export folder is not published, or its file does not match its manifest."""


@dataclass(frozen=True)
class ExportResult:
    """One published export."""

    channel: str
    business_date: date
    data_path: Path
    manifest_path: Path
    done_path: Path
    rows: int
    sha256: str
    removed_at_publish: int
    campaign_ids: tuple[str, ...]


def export_dir(layout: DataLayout, channel: str, business_date: date) -> Path:
    """``exports/<channel>/<YYYY-MM-DD>/``."""
    _format(channel)
    return layout.exports / channel / business_date.isoformat()


def write_channel_export(
    layout: DataLayout,
    channel: str,
    business_date: date,
    rows: pd.DataFrame,
    *,
    config_hash: str,
    model_versions: dict[str, str],
    restricted_subscriber_ids: frozenset[str],
) -> ExportResult:
    """Check, sort and publish one channel's file for a date, replacing any earlier one."""
    fmt = _format(channel)
    _check_columns(fmt, rows)
    if not isinstance(config_hash, str) or not config_hash:
        raise ValueError("config_hash must be a non-empty string")
    records = [{column: _plain(value) for column, value in row.items()} for row in rows.to_dict(orient="records")]
    kept = [record for record in records if str(record["subscriber_id"]) not in restricted_subscriber_ids]
    kept = [_checked(fmt, record) for record in kept]
    _check_unique(fmt, kept)
    kept.sort(key=lambda record: _sort_key(fmt, record))
    data = _serialise(fmt, kept)
    sha256 = hashlib.sha256(data).hexdigest()
    file_name = fmt.file_name(business_date)
    campaign_ids = sorted({c for record in kept for c in fmt.campaign_ids(record)})
    manifest = {
        "schema_version": EXPORT_SCHEMA_VERSION,
        "channel": channel,
        "business_date": business_date.isoformat(),
        "file": file_name,
        "rows": len(kept),
        "bytes": len(data),
        "sha256": sha256,
        "columns": list(fmt.columns),
        "sort_order": fmt.sort_order,
        "campaign_ids": campaign_ids,
        "config_hash": config_hash,
        "model_versions": {str(k): str(v) for k, v in model_versions.items()},
        "removed_at_publish": len(records) - len(kept),
    }
    final = export_dir(layout, channel, business_date)
    staging = final.parent / f".staging-{final.name}-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    _write_file(staging / file_name, data)
    _write_file(staging / MANIFEST_FILE, (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8"))
    (final / DONE_FILE).unlink(missing_ok=True)
    _swap_in(staging, final)
    _write_file(final / f".{DONE_FILE}.tmp", f"{sha256}  {file_name}\n".encode(), rename_to=final / DONE_FILE)
    return ExportResult(
        channel=channel,
        business_date=business_date,
        data_path=final / file_name,
        manifest_path=final / MANIFEST_FILE,
        done_path=final / DONE_FILE,
        rows=len(kept),
        sha256=sha256,
        removed_at_publish=manifest["removed_at_publish"],
        campaign_ids=tuple(campaign_ids),
    )


def read_channel_export(layout: DataLayout, channel: str, business_date: date) -> pd.DataFrame:
    """Read a published file as a channel system does: done flag, checksum and row count first."""
    fmt = _format(channel)
    folder = export_dir(layout, channel, business_date)
    if not (folder / DONE_FILE).is_file():
        raise ExportError(f"{channel} export of {business_date} is not published: no {DONE_FILE} in {folder}")
    manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    path = folder / manifest["file"]
    data = path.read_bytes()
    sha256 = hashlib.sha256(data).hexdigest()
    if sha256 != manifest["sha256"]:
        raise ExportError(f"{path}: SHA-256 {sha256} does not match its manifest's {manifest['sha256']}")
    if (folder / DONE_FILE).read_text(encoding="utf-8").split() != [sha256, path.name]:
        raise ExportError(f"{folder / DONE_FILE} does not name {path.name} with SHA-256 {sha256}")
    if manifest["schema_version"] != EXPORT_SCHEMA_VERSION or manifest["columns"] != list(fmt.columns):
        raise ExportError(f"{path}: schema version {manifest['schema_version']}, expected {EXPORT_SCHEMA_VERSION}")
    records = _parse(fmt, data.decode("utf-8"), path)
    if len(records) != manifest["rows"]:
        raise ExportError(f"{path}: {len(records)} rows, but its manifest says {manifest['rows']}")
    frame = pd.DataFrame(records, columns=list(fmt.columns), dtype=object)
    for column in fmt.columns:
        if fmt.kind(column) == "int":
            frame[column] = frame[column].astype("int64")
        elif fmt.kind(column) == "money":
            frame[column] = frame[column].astype("float64")
    return frame


def list_exports(layout: DataLayout, business_date: date) -> list[dict[str, Any]]:
    """Every channel's manifest for a date (channels in ``CHANNELS`` order), each with
    ``is_published``: whether its done flag is there."""
    manifests = []
    for channel in CHANNELS:
        folder = export_dir(layout, channel, business_date)
        if (folder / MANIFEST_FILE).is_file():
            manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
            manifests.append({**manifest, "is_published": (folder / DONE_FILE).is_file()})
    return manifests


def _format(channel: str) -> ExportFormat:
    if channel not in EXPORT_FORMATS:
        raise ValueError(f"unknown channel {channel!r}; known: {', '.join(CHANNELS)}")
    return EXPORT_FORMATS[channel]


def _check_columns(fmt: ExportFormat, rows: pd.DataFrame) -> None:
    missing = [c for c in fmt.columns if c not in rows.columns]
    extra = [str(c) for c in rows.columns if c not in fmt.columns]
    if missing or extra:
        raise ValueError(f"{fmt.channel} export rows: missing columns {missing}, unexpected columns {extra}")


def _is_missing(value: Any) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def _plain(value: Any) -> Any:
    """Python values from what pandas or Spark's ``toPandas`` hand over (numpy, Rows, arrays)."""
    if hasattr(value, "asDict"):
        value = value.asDict(recursive=True)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in sorted(value.items(), key=lambda item: str(item[0]))}
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        value = value.tolist()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return None if _is_missing(value) else value


def _checked(fmt: ExportFormat, record: dict[str, Any]) -> dict[str, Any]:
    """A record with its values typed, or a ValueError naming the row and column."""
    checked = {}
    for column in fmt.columns:
        value, kind = record[column], fmt.kind(column)
        where = f"{fmt.channel} export, subscriber {record['subscriber_id']!r}, column {column}"
        if value is None:
            if column in fmt.required:
                raise ValueError(f"{where}: null in a required column")
        elif kind == "int":
            if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
                raise ValueError(f"{where}: {value!r} is not an integer")
            value = int(value)
        elif kind == "money":
            value = Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_UP)
            if not value.is_finite():
                raise ValueError(f"{where}: {value!r} is not an amount")
            value = value if value else Decimal("0.00")  # never "-0.00"
        elif kind == "json":
            if column == "parameters" and isinstance(value, list) and all(len(p) == 2 for p in value):
                value = {str(k): v for k, v in sorted(value)}  # a Spark map read through Arrow
            if not isinstance(value, list | dict):
                raise ValueError(f"{where}: {value!r} is not a list or dict")
        else:
            value = value.isoformat() if isinstance(value, date) else str(value)
        checked[column] = value
    return checked


def _check_unique(fmt: ExportFormat, records: list[dict[str, Any]]) -> None:
    key = fmt.row_key
    seen: set[str] = set()
    for record in records:
        if record[key] in seen:
            raise ValueError(f"{fmt.channel} export: {key} {record[key]!r} appears more than once")
        seen.add(record[key])


def _sort_key(fmt: ExportFormat, record: dict[str, Any]) -> tuple:
    key: list[Any] = []
    for column, descending in fmt.sort_keys:
        value = record[column]
        key += [value is None, (-value if descending else value) if value is not None else 0]
    return tuple(key)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _cell(fmt: ExportFormat, column: str, value: Any) -> str:
    if value is None:
        return ""
    if fmt.kind(column) == "json":
        return _json(value)
    return str(value)


def _serialise(fmt: ExportFormat, records: list[dict[str, Any]]) -> bytes:
    out = io.StringIO(newline="")
    if fmt.serialisation == "jsonl":
        for record in records:
            plain = {c: float(v) if isinstance(v, Decimal) else v for c, v in record.items()}
            out.write(json.dumps(plain, ensure_ascii=False, separators=(",", ":")) + "\n")
    elif fmt.serialisation == "pipe":
        out.write("|".join(fmt.columns) + "\n")
        for record in records:
            cells = (_cell(fmt, c, record[c]) for c in fmt.columns)
            out.write("|".join(cell.translate(_PIPE_UNSAFE) for cell in cells) + "\n")
    else:
        writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(fmt.columns)
        writer.writerows([_cell(fmt, c, record[c]) for c in fmt.columns] for record in records)
    return out.getvalue().encode("utf-8")


_PIPE_UNSAFE = str.maketrans({"|": " ", "\r": " ", "\n": " "})


def _parse(fmt: ExportFormat, text: str, path: Path) -> list[dict[str, Any]]:
    if fmt.serialisation == "jsonl":
        records = [json.loads(line) for line in text.split("\n") if line]
        if any(list(record) != list(fmt.columns) for record in records):
            raise ExportError(f"{path}: a line's keys differ from {list(fmt.columns)}")
        return records
    if fmt.serialisation == "pipe":
        lines = [line.split("|") for line in text.split("\n")[:-1]]
    else:
        lines = list(csv.reader(io.StringIO(text, newline="")))
    if not lines or lines[0] != list(fmt.columns) or any(len(line) != len(fmt.columns) for line in lines):
        raise ExportError(f"{path}: header or field count differs from {list(fmt.columns)}")
    return [{c: _read_cell(fmt, c, cell) for c, cell in zip(fmt.columns, line, strict=True)} for line in lines[1:]]


def _read_cell(fmt: ExportFormat, column: str, cell: str) -> Any:
    if cell == "":
        return None
    kind = fmt.kind(column)
    if kind == "json":
        return json.loads(cell)
    if kind == "int":
        return int(cell)
    return float(cell) if kind == "money" else cell


def _write_file(path: Path, data: bytes, rename_to: Path | None = None) -> None:
    with path.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    if rename_to is not None:
        os.replace(path, rename_to)


def _swap_in(staging: Path, final: Path) -> None:
    """Old folder aside, new folder in, old folder deleted; the old one comes back on failure."""
    aside = final.parent / f".replaced-{final.name}-{os.getpid()}"
    shutil.rmtree(aside, ignore_errors=True)
    had_old = final.exists()
    if had_old:
        final.rename(aside)
    try:
        staging.rename(final)
    except OSError:
        if had_old:
            aside.rename(final)
        raise
    if had_old:
        shutil.rmtree(aside)
