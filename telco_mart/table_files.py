"""Read a table a user hands over (a CSV or Parquet file, or a folder of Parquet parts).

Shared by the commands that take any table from another system (`models train --table`,
`effect --table`): CSV columns are read as text, so "0012" stays "0012" and blanks stay "";
the caller decides types from the values and can name the bad row. Errors name the file.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

CSV_SUFFIXES = ([".csv", ".gz"], [".csv", ".bz2"], [".csv", ".zip"])


def read_table_file(path: Path, what: str, error: type[Exception], allow_folder: bool = False) -> pd.DataFrame:
    """The table at ``path`` as a DataFrame; ``error(message)`` names ``what`` and the file on failure."""
    if not path.exists() or (path.is_dir() and not allow_folder):
        raise error(f"{what} {path} not found" + (" (it is a directory)" if path.is_dir() else ""))
    suffixes = [s.lower() for s in path.suffixes]
    try:
        if path.is_dir():
            # Spark writes _SUCCESS and .crc files beside its parts; pyarrow skips names starting _ or .
            if not any(part.is_file() for part in path.rglob("*.parquet")):
                raise error(f"{what} {path} is a folder without Parquet files")
            frame = pd.read_parquet(path)
        elif suffixes[-1:] == [".csv"] or suffixes[-2:] in CSV_SUFFIXES:
            # utf-8-sig drops the byte-order mark a spreadsheet export puts before the header.
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        elif suffixes[-1:] in ([".parquet"], [".pq"]):
            frame = pd.read_parquet(path)
        else:
            kinds = ".csv, .parquet or a folder of Parquet files" if allow_folder else ".csv or .parquet"
            raise error(f"{what} {path}: unknown file type; use {kinds}")
    except error:
        raise
    except UnicodeDecodeError as problem:
        raise error(f"{what} {path} is not UTF-8 text: {problem}") from problem
    except Exception as problem:  # pandas and pyarrow raise many types; all mean "cannot read this file"
        raise error(f"{what} {path} cannot be read: {type(problem).__name__}: {problem}") from problem
    if frame.empty:
        raise error(f"{what} {path} has no rows")
    return frame
