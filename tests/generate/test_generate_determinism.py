"""Same options, same bytes: across reruns and across worker counts."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pyarrow.parquet as pq

from telco_mart.settings import DataLayout
from telco_mart.synthetic.generate import GenerateOptions, generate

OPTIONS = GenerateOptions(
    date(2026, 10, 30), date(2026, 11, 1), subscribers=300, sessions_per_day=5, seed=9, defect_rate=0.02
)


def _extract_bytes(layout: DataLayout) -> dict[str, bytes]:
    files = list(layout.landing.rglob("*.*")) + list(layout.late_landing.rglob("*.*"))
    return {str(path.relative_to(layout.root)): path.read_bytes() for path in files if path.is_file()}


def _truth(layout: DataLayout) -> dict[str, list[dict]]:
    return {
        str(path.relative_to(layout.root)): pq.read_table(path).to_pylist()
        for path in sorted(layout.truth.rglob("*.parquet"))
    }


def _run(tmp_path, name: str, workers: int) -> DataLayout:
    layout = DataLayout(tmp_path / name)
    generate(layout, replace(OPTIONS, workers=workers))
    return layout


def test_same_options_give_identical_files_whatever_the_worker_count(tmp_path):
    one = _run(tmp_path, "one", workers=1)
    two = _run(tmp_path, "two", workers=2)
    first = _extract_bytes(one)
    assert len(first) > 50
    assert first == _extract_bytes(two)
    assert _truth(one) == _truth(two)


def test_rerunning_into_the_same_root_replaces_the_files_unchanged(tmp_path):
    layout = _run(tmp_path, "again", workers=2)
    before, truth_before = _extract_bytes(layout), _truth(layout)
    generate(layout, replace(OPTIONS, workers=2))
    assert _extract_bytes(layout) == before
    assert _truth(layout) == truth_before


def test_a_rerun_without_file_defects_brings_late_files_back_on_time(tmp_path):
    layout = _run(tmp_path, "late", workers=1)
    assert list(layout.late_landing.rglob("*.ctl"))
    generate(layout, replace(OPTIONS, file_defects=0, workers=1))
    assert not list(layout.late_landing.rglob("*.*"))
    assert pq.read_table(layout.truth / "file_defects.parquet").num_rows == 0


def test_the_population_depends_on_the_seed_only(tmp_path):
    early = DataLayout(tmp_path / "early")
    later = DataLayout(tmp_path / "later")
    small = {"subscribers": 200, "sessions_per_day": 1, "seed": 3, "workers": 1}
    generate(early, GenerateOptions(date(2026, 3, 1), date(2026, 3, 2), **small))
    generate(later, GenerateOptions(date(2026, 11, 1), date(2026, 11, 2), **small))
    columns = [
        "subscriber_id",
        "msisdn",
        "customer_id",
        "city_code",
        "join_date",
        "forwarded_share",
        "interests",
    ]
    assert pq.read_table(early.truth / "subscribers.parquet", columns=columns).equals(
        pq.read_table(later.truth / "subscribers.parquet", columns=columns)
    )
