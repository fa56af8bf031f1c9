"""Atomic partition publication, through Hadoop's FileSystem API and on the local file system:
both publishers keep one protocol and the same guarantees."""

from __future__ import annotations

import pytest

from telco_mart.storage.publish import LocalPartitionPublisher, PartitionPublisher


@pytest.fixture(params=["hadoop", "local"])
def publisher(request):
    """Each publisher in turn (the Hadoop one needs the test run's SparkSession)."""
    if request.param == "hadoop":
        return PartitionPublisher(request.getfixturevalue("spark"))
    return LocalPartitionPublisher()


def _folder(path, content: str):
    path.mkdir(parents=True)
    (path / "part-0.parquet").write_text(content)
    return path


def test_replace_swaps_in_the_new_version_and_leaves_no_trash(publisher, tmp_path):
    final = _folder(tmp_path / "raw" / "t" / "dt=2026-11-30", "old")
    staged = _folder(tmp_path / "staging" / "dt=2026-11-30", "new")
    publisher.replace(staged, final, "run1")
    assert (final / "part-0.parquet").read_text() == "new"
    assert not staged.exists()
    assert [p.name for p in final.parent.iterdir()] == ["dt=2026-11-30"], "the old version is deleted"


def test_replace_creates_missing_parents(publisher, tmp_path):
    staged = _folder(tmp_path / "staging" / "dt=2026-11-30", "new")
    final = tmp_path / "raw" / "new_table" / "dt=2026-11-30"
    publisher.replace(staged, final, "run1")
    assert (final / "part-0.parquet").read_text() == "new"


def test_publishing_nothing_keeps_the_old_version(publisher, tmp_path):
    final = _folder(tmp_path / "raw" / "t" / "dt=2026-11-30", "old")
    with pytest.raises(OSError, match="could not publish"):
        publisher.replace(tmp_path / "staging" / "absent", final, "run1")
    assert (final / "part-0.parquet").read_text() == "old"


def test_remove(publisher, tmp_path):
    folder = _folder(tmp_path / "q" / "dt=2026-11-30", "x")
    publisher.remove(folder)
    assert not folder.exists() and not publisher.exists(folder)
    publisher.remove(folder)  # removing what is not there is fine
