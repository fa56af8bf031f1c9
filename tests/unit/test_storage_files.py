"""The one atomic-file writer: the target is the old file or the new one, never half of one."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from telco_mart.storage.files import replacing, write_parquet_atomic, write_text_atomic


def test_a_write_replaces_the_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "deep" / "summary.json"
    write_text_atomic(target, "old")
    assert write_text_atomic(target, "新的") == target
    assert target.read_text(encoding="utf-8") == "新的"
    assert [p.name for p in target.parent.iterdir()] == ["summary.json"]


def test_a_failed_write_keeps_the_old_file(tmp_path):
    target = tmp_path / "report.html"
    write_text_atomic(target, "the old report")
    with pytest.raises(RuntimeError), replacing(target) as temporary:
        temporary.write_text("half a rep", encoding="utf-8")
        raise RuntimeError("disk full")
    assert target.read_text(encoding="utf-8") == "the old report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_parquet_is_written_whole_under_a_name_readers_skip_while_in_flight(tmp_path):
    target = tmp_path / "dt=2026-11-30" / "reconciliation.parquet"
    with replacing(target) as temporary:
        assert temporary.parent == target.parent and temporary.name.startswith(".")
        pq.write_table(pa.table({"rows": [0]}), temporary)
    write_parquet_atomic(pa.table({"rows": [1, 2]}), target)
    assert pq.read_table(target.parent).column("rows").to_pylist() == [1, 2]
