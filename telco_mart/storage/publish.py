"""Atomic publication of partitions: write elsewhere, then swap the folder in.

Two publishers with one protocol (``exists``, ``remove``, ``replace``):

* :class:`PartitionPublisher` renames through Hadoop's FileSystem API, so a Spark job publishes
  on a local disk and on HDFS alike (where a directory rename is atomic);
* :class:`LocalPartitionPublisher` renames on the local file system with no JVM, for jobs that
  write with pyarrow or DuckDB on a single machine.

A reader sees the old partition or the new one, never half of either. The swap is: old ->
trash, staged -> final, trash deleted; a failed swap puts the old version back.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path


class PartitionPublisher:
    """Swaps staged partition folders into place through the JVM's Hadoop FileSystem."""

    def __init__(self, spark) -> None:
        self._jvm = spark.sparkContext._jvm
        self._conf = spark.sparkContext._jsc.hadoopConfiguration()

    def _path(self, path: Path | str):
        hadoop_path = self._jvm.org.apache.hadoop.fs.Path(str(path))
        return hadoop_path, hadoop_path.getFileSystem(self._conf)

    def exists(self, path: Path | str) -> bool:
        """Whether ``path`` exists."""
        hadoop_path, fs = self._path(path)
        return bool(fs.exists(hadoop_path))

    def remove(self, path: Path | str) -> None:
        """Delete ``path`` recursively if it exists."""
        hadoop_path, fs = self._path(path)
        if fs.exists(hadoop_path):
            fs.delete(hadoop_path, True)

    def replace(self, staged: Path | str, final: Path | str, run_id: str) -> None:
        """Make ``staged`` the content of ``final``, replacing what was there."""
        staged_path, fs = self._path(staged)
        final_path, _ = self._path(final)
        fs.mkdirs(final_path.getParent())
        trash = self._jvm.org.apache.hadoop.fs.Path(final_path.getParent(), f".trash-{run_id}-{final_path.getName()}")
        if not fs.exists(staged_path):
            raise OSError(f"could not publish {staged}: nothing is staged there")
        had_old = fs.exists(final_path)
        if had_old and not fs.rename(final_path, trash):
            raise OSError(f"could not move {final} aside to publish a new version")
        try:
            published = fs.rename(staged_path, final_path)
        except Exception as error:  # py4j raises the JVM's IOException
            published, cause = False, error
        else:
            cause = None
        if not published:
            if had_old:
                fs.rename(trash, final_path)
            raise OSError(f"could not publish {staged} as {final}") from cause
        if had_old:
            fs.delete(trash, True)


class LocalPartitionPublisher:
    """Swaps staged partition folders into place with ``os.rename`` (atomic within one file system)."""

    def exists(self, path: Path | str) -> bool:
        """Whether ``path`` exists."""
        return Path(path).exists()

    def remove(self, path: Path | str) -> None:
        """Delete ``path`` recursively if it exists."""
        shutil.rmtree(path, ignore_errors=True)

    def replace(self, staged: Path | str, final: Path | str, run_id: str) -> None:
        """Make ``staged`` the content of ``final``, replacing what was there."""
        staged, final = Path(staged), Path(final)
        final.parent.mkdir(parents=True, exist_ok=True)
        trash = final.parent / f".trash-{run_id}-{final.name}"
        if not staged.is_dir():
            raise OSError(f"could not publish {staged}: nothing is staged there")
        had_old = final.exists()
        if had_old:
            os.rename(final, trash)
        try:
            os.rename(staged, final)
        except OSError as error:
            if had_old:
                os.rename(trash, final)
            raise OSError(f"could not publish {staged} as {final}") from error
        if had_old:
            shutil.rmtree(trash)
