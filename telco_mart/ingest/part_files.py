"""Open one extract part: check it against its control entry, and split it into numbered lines.

Pure Python and pyarrow, no Spark: these functions run on the executors (one task per part,
since a gzip stream cannot be split), called from :mod:`telco_mart.ingest.spark_parts`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from isal import igzip, isal_zlib

from telco_mart.contract import reasons
from telco_mart.landing.control_file import PartEntry

LINE_BATCH_ROWS = 100_000
_GZIP_WBITS = 31


@dataclass(frozen=True)
class PartCheck:
    """What one part file turned out to be; ``reason`` is ``None`` when it matches its entry."""

    rows_read: int
    byte_size: int
    md5: str
    reason: str | None = None
    reason_detail: str | None = None


def count_lines(text: bytes) -> int:
    """Lines in ``text``; a last line without its newline still counts."""
    lines = text.count(b"\n")
    return lines + 1 if text and not text.endswith(b"\n") else lines


def _decompress_what_is_there(compressed: bytes) -> bytes:
    """Decompress as much of a damaged gzip stream as can be read."""
    inflater = isal_zlib.decompressobj(_GZIP_WBITS)
    try:
        return inflater.decompress(compressed)
    except isal_zlib.error:
        return b""


def decompress_part(compressed: bytes) -> tuple[bytes, str | None]:
    """The decompressed text and, when the gzip stream is damaged, why."""
    try:
        return igzip.decompress(compressed), None
    except (EOFError, OSError, isal_zlib.error) as error:
        return _decompress_what_is_there(compressed), f"gzip stream is damaged or ends early ({error})"


def check_part(path: Path, declared: PartEntry | None, encoding: str) -> PartCheck:
    """Read one part and compare it with its control-file entry.

    The rows read are counted from the decompressed file itself, whatever the outcome, so the
    audit can check them against the control file independently.
    """
    compressed = path.read_bytes()
    md5 = hashlib.md5(compressed).hexdigest()
    text, damage = decompress_part(compressed)
    rows = count_lines(text)

    def result(reason: str | None = None, detail: str | None = None) -> PartCheck:
        return PartCheck(rows, len(compressed), md5, reason, detail)

    if damage:
        return result(reasons.TRUNCATED, f"{path}: {damage}; {rows} lines readable")
    try:
        text.decode(encoding)
    except UnicodeDecodeError as error:
        line = text.count(b"\n", 0, error.start) + 1
        return result(reasons.BAD_ENCODING, f"{path}, row {line}: not valid {encoding} ({error.reason})")
    if declared is None:
        return result()
    if len(compressed) != declared.byte_size:
        detail = f"{path}: {len(compressed)} bytes, control file says {declared.byte_size}"
        return result(reasons.SIZE_MISMATCH, detail)
    if md5 != declared.md5:
        return result(reasons.MD5_MISMATCH, f"{path}: MD5 {md5}, control file says {declared.md5}")
    if rows != declared.row_count:
        return result(reasons.ROW_COUNT_MISMATCH, f"{path}: {rows} rows, control file says {declared.row_count}")
    return result()


def _as_utf8_array(text: bytes, encoding: str) -> pa.LargeStringArray:
    """The whole part as one large string, re-encoded to UTF-8 only when it is not already."""
    if encoding.replace("-", "").lower() != "utf8":
        text = text.decode(encoding).encode("utf-8")
    offsets = pa.py_buffer(pa.array([0, len(text)], pa.int64()).buffers()[1])
    return pa.LargeStringArray.from_buffers(1, offsets, pa.py_buffer(text))


def split_lines(text: bytes, encoding: str) -> pa.Array:
    """The lines of a part as a string array, in file order, without the final newline."""
    if not text:
        return pa.array([], pa.large_string())
    whole = _as_utf8_array(text, encoding)
    lines = pc.split_pattern(whole, "\n").flatten()
    if text.endswith(b"\n"):
        lines = lines.slice(0, len(lines) - 1)
    return lines


def line_batches(part_id: int, path: Path, encoding: str) -> Iterator[pa.RecordBatch]:
    """Numbered lines of one part, in batches: ``part_id``, ``row_number`` (1-based), ``line``."""
    text, _ = decompress_part(path.read_bytes())
    lines = split_lines(text, encoding)
    for start in range(0, len(lines), LINE_BATCH_ROWS):
        chunk = lines.slice(start, LINE_BATCH_ROWS)
        size = len(chunk)
        yield pa.RecordBatch.from_arrays(
            [
                pa.array(np.full(size, part_id, dtype=np.int32)),
                pa.array(np.arange(start + 1, start + size + 1, dtype=np.int64)),
                chunk.cast(pa.string()),
            ],
            names=["part_id", "row_number", "line"],
        )
