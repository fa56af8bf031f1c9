"""Arrow columns in the exact text form of the contract, and the table-to-text step.

Numbers, dates and timestamps are kept as integers whose plain digits are the contract's text
(yyyyMMdd as 20261123), strings from small vocabularies as dictionary arrays, money as
decimal128 with the column's scale: pyarrow's CSV writer then produces the extract text
without any per-row Python.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from telco_mart.contract import Table
from telco_mart.synthetic.generate.dates import yyyymmdd

_WRITE_OPTIONS = pacsv.WriteOptions(include_header=False, delimiter="|", quoting_style="none")


def _mask(present: np.ndarray | None) -> np.ndarray | None:
    return None if present is None else ~np.asarray(present, dtype=bool)


def integers(values: np.ndarray, present: np.ndarray | None = None) -> pa.Array:
    """Whole numbers; rows where ``present`` is False are empty fields."""
    return pa.array(np.asarray(values, dtype=np.int64), mask=_mask(present))


def flags(values: np.ndarray) -> pa.Array:
    """0/1 flags."""
    return pa.array(np.asarray(values, dtype=np.int8))


def dates(days: np.ndarray, present: np.ndarray | None = None) -> pa.Array:
    """yyyyMMdd of day numbers."""
    return integers(yyyymmdd(np.asarray(days)), present)


def months(month_indexes: np.ndarray) -> pa.Array:
    """yyyyMM of month indexes."""
    month_indexes = np.asarray(month_indexes, dtype=np.int64)
    return integers(month_indexes // 12 * 100 + month_indexes % 12 + 1)


def timestamps(days: np.ndarray, seconds: np.ndarray) -> pa.Array:
    """yyyyMMddHHmmss of a day number plus seconds into that day."""
    seconds = np.asarray(seconds, dtype=np.int64)
    clock = seconds // 3600 * 10_000 + seconds % 3600 // 60 * 100 + seconds % 60
    return integers(yyyymmdd(np.asarray(days)) * 1_000_000 + clock)


def decimals(units: np.ndarray, scale: int, present: np.ndarray | None = None) -> pa.Array:
    """Fixed-point numbers from integer units of 10^-scale (cents for scale 2): written with a
    dot and exactly ``scale`` decimals, never in exponent form as floats could be."""
    units = np.asarray(units, dtype=np.int64)
    words = np.empty((len(units), 2), dtype=np.int64)
    words[:, 0] = units
    words[:, 1] = np.where(units < 0, -1, 0)  # two's complement high word
    array = pa.Array.from_buffers(pa.decimal128(38, scale), len(units), [None, pa.py_buffer(words)])
    return array if present is None else pc.if_else(pa.array(np.asarray(present, dtype=bool)), array, None)


def codes(indexes: np.ndarray, vocabulary, present: np.ndarray | None = None) -> pa.Array:
    """Strings of a small vocabulary by index (negative: empty field), as a dictionary array,
    which the CSV writer writes as the strings."""
    indexes = np.asarray(indexes)
    present = indexes >= 0 if present is None else np.asarray(present, dtype=bool)
    mask = None if present.all() else ~present
    values = pa.array(np.where(present, indexes, 0).astype(np.int32), mask=mask)
    return pa.DictionaryArray.from_arrays(values, pa.array(list(vocabulary), pa.string()))


def identifiers(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """``prefix`` plus zero-padded numbers, e.g. S0000000001."""
    digits = pc.utf8_lpad(pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def join_text(*parts: pa.Array) -> pa.Array:
    """Row-wise concatenation of string columns."""
    return pc.binary_join_element_wise(*parts, "")


def render(table: Table, columns: dict[str, pa.Array]) -> bytes:
    """The extract text (UTF-8) of one part: columns in contract order, ``|``, no header."""
    if list(columns) != table.column_names:
        raise ValueError(f"{table.name}: built columns {list(columns)} differ from the contract's")
    batch = pa.table(list(columns.values()), names=table.column_names)
    if batch.num_rows == 0:
        return b""
    sink = pa.BufferOutputStream()
    pacsv.write_csv(batch, sink, _WRITE_OPTIONS)
    return sink.getvalue().to_pybytes()


def encode(text: bytes, encoding: str) -> bytes:
    """Re-encode UTF-8 extract text into the source's encoding (GBK for CRM)."""
    if encoding.replace("-", "").lower() in ("utf8", "ascii") or text.isascii():
        return text
    return text.decode("utf-8").encode(encoding)
