"""Control files: one per table and business date, listing every part with its figures.

Format (UTF-8, ``|``-delimited, one header line then one line per part)::

    file_name|row_count|byte_size|md5
    GN_TRAFFIC_20261123_001.dat.gz|1000000|31457280|9e107d9d372bb6826bd81d3542a419d6

``row_count`` counts the lines of the decompressed part; ``byte_size`` and ``md5`` are those
of the compressed file as delivered.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from telco_mart.storage.files import write_text_atomic

CONTROL_HEADER = "file_name|row_count|byte_size|md5"


class ControlFileError(ValueError):
    """A control file that cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class PartEntry:
    """One part as the control file declares it."""

    file_name: str
    row_count: int
    byte_size: int
    md5: str


def format_control_file(parts: list[PartEntry]) -> str:
    """The text of a control file listing ``parts``."""
    lines = [CONTROL_HEADER]
    lines += [f"{p.file_name}|{p.row_count}|{p.byte_size}|{p.md5}" for p in parts]
    return "\n".join(lines) + "\n"


def write_control_file(path: Path, parts: list[PartEntry]) -> None:
    """Write a control file; written last, so its presence means the parts are complete."""
    write_text_atomic(path, format_control_file(parts))


def read_control_file(path: Path) -> list[PartEntry]:
    """Parse a control file; raise :class:`ControlFileError` naming the file and line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as error:
        raise ControlFileError(f"{path}: not UTF-8 text ({error.reason})") from None
    if not lines or lines[0].strip() != CONTROL_HEADER:
        raise ControlFileError(f"{path}, line 1: expected header {CONTROL_HEADER!r}")
    parts = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = line.split("|")
        if len(fields) != 4:
            raise ControlFileError(f"{path}, line {number}: expected 4 fields, found {len(fields)}")
        name, rows, size, md5 = fields
        if not rows.isdigit() or not size.isdigit() or len(md5) != 32:
            raise ControlFileError(f"{path}, line {number}: bad row count, size or MD5 in {line!r}")
        parts.append(PartEntry(name, int(rows), int(size), md5.lower()))
    if not parts:
        raise ControlFileError(f"{path}: lists no parts")
    return parts
