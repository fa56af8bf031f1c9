"""Stage records: one JSON file per stage run under ``audit/runs/dt=<date>/``.

Every stage of the day, run from the DAG, from ``telco-mart run`` or from the cluster's stage
runner, leaves one record: which stage (and part, such as the source of an ingestion), the
business date, the state it ended in, when it started and ended, the rows it read and wrote,
and the reason when it failed or was skipped. A record is its own file, written atomically, so
stages running in parallel (the DAG's five ingestions) never contend for one file and a reader
never sees half a record. ``telco-mart runs --date D`` shows them; the console's run page and
the scale benchmark read them.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass
from datetime import date, datetime

from telco_mart.settings import DataLayout, partition_name
from telco_mart.storage.files import write_text_atomic

STATES = ("succeeded", "failed", "skipped")


def stage_label(stage: str, part: str | None) -> str:
    """A stage's name with its part, as records, messages and the CLI show it: ``ingest[crm]``."""
    return f"{stage}[{part}]" if part else stage


@dataclass(frozen=True)
class StageRecord:
    """What one run of one stage (or one part of it) did for one business date."""

    stage: str
    part: str | None
    business_date: date
    state: str
    started_at: datetime
    ended_at: datetime
    rows_in: int | None
    rows_out: int | None
    reason: str | None
    entry_point: str

    @property
    def seconds(self) -> float:
        """Wall time of the stage."""
        return (self.ended_at - self.started_at).total_seconds()

    @property
    def label(self) -> str:
        """The stage's name with its part: ``ingest[crm]``."""
        return stage_label(self.stage, self.part)

    def as_json(self) -> dict:
        """JSON-ready."""
        return asdict(self) | {
            "business_date": self.business_date.isoformat(),
            "started_at": self.started_at.isoformat(),
            "ended_at": self.ended_at.isoformat(),
        }

    @classmethod
    def from_json(cls, data: dict) -> StageRecord:
        """The record stored by :func:`append_stage_record`."""
        return cls(
            **data
            | {
                "business_date": date.fromisoformat(data["business_date"]),
                "started_at": datetime.fromisoformat(data["started_at"]),
                "ended_at": datetime.fromisoformat(data["ended_at"]),
            }
        )


def records_dir(layout: DataLayout, business_date: date):
    """The folder holding a business date's stage records."""
    return layout.audit / "runs" / partition_name(business_date)


def append_stage_record(layout: DataLayout, record: StageRecord) -> None:
    """Store ``record`` as a new file (never replacing another record), atomically."""
    if record.state not in STATES:
        raise ValueError(f"stage record state {record.state!r} is not one of {', '.join(STATES)}")
    folder = records_dir(layout, record.business_date)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{record.started_at:%Y%m%dT%H%M%S%f}-{record.label}-{uuid.uuid4().hex[:8]}.json"
    write_text_atomic(folder / name, json.dumps(record.as_json(), ensure_ascii=False, sort_keys=True))


def read_stage_records(layout: DataLayout, business_date: date) -> list[StageRecord]:
    """Every stage record of ``business_date``, oldest first."""
    folder = records_dir(layout, business_date)
    if not folder.is_dir():
        return []
    records = []
    for path in folder.glob("*.json"):
        try:
            records.append(StageRecord.from_json(json.loads(path.read_text(encoding="utf-8"))))
        except (ValueError, TypeError, KeyError) as error:
            raise ValueError(f"{path}: not a stage record ({error})") from error
    return sorted(records, key=lambda r: (r.started_at, r.label))
