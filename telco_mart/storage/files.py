"""The one atomic-file writer: a file is written beside its target, then renamed over it.

A rename within one folder is atomic on POSIX file systems, so a reader sees the old file or the
new one, never a half-written one, and a failed write leaves the old file as it was. Temporary
names start with a dot, which Spark, pyarrow and DuckDB skip when they list a Parquet folder, and
carry the process id and a random suffix, so two writers never share one.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def replacing(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target`` to write to; on leaving the block without an error it
    replaces ``target``, on an error it is removed and ``target`` is untouched."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
    try:
        yield temporary
        temporary.replace(target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_text_atomic(target: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``target`` atomically; returns ``target``."""
    with replacing(target) as temporary:
        temporary.write_text(text, encoding="utf-8")
    return target


def write_parquet_atomic(table, target: Path) -> Path:
    """Write a pyarrow ``table`` to the Parquet file ``target`` atomically; returns ``target``."""
    import pyarrow.parquet as pq

    with replacing(target) as temporary:
        pq.write_table(table, temporary)
    return target
