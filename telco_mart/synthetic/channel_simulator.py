"""The channel simulator: plays the channel systems and the customers in the demo and the tests.

Nobody real answers the exports here, so ``simulate_day(layout, D)`` does. It reads the published
exports of business date D (every channel with a done flag) and the ``fct_contacts`` assignments
whose success window is still open on D+1, and drops into landing, dated D+1, what the real
systems would (the interface contract's part, control-file and encoding rules):

* ``landing/channel/<D+1>/CHANNEL_RESULT_*``: one row per stage each of D's exported contacts
  reached: ``sent``, then ``delivered`` or ``failed``, then ``reached``, then at most one of
  ``accepted``, ``refused``, ``complained``, ``opted_out``; recorded on D+1.
* ``landing/crm/<D+1>/CRM_PRODUCT_ORDER_*``: orders of the offered package placed on D+1, by
  treatment and control subjects alike.
* ``landing/crm/<D+1>/CRM_COMPLAINT_*``: a ``marketing_disturbance`` complaint per ``complained``.

The customers' truth. Per channel (``CHANNEL_TRUTH``): delivered / reached are shares of the stage
before; persuasion scales the offer's fit uplift; refused / complained / opted out are shares of
the reached contacts who did not accept:

============== ================ ====================== ========== ======= ========== =========
channel        delivered        reached                persuasion refused complained opted out
============== ================ ====================== ========== ======= ========== =========
outbound_call  0.90 (rang)      0.55 (answered)        1.00       0.50    0.020      0.030
sms            0.97             0.60 (read)            0.50       0.05    0.003      0.010
retail_counter 1.00 (on screen) 0.30 (visited a store) 1.25       0.40    0.005      0
app            0.80 (push)      0.35 (opened)          0.60       0.10    0.002      0.020
============== ================ ====================== ========== ======= ========== =========

* Base rate: every subject of either arm orders the offered package on its own at a daily hazard
  ``h`` with ``1 - (1 - h) ** 7 = base_rate``; a campaign's base rate is drawn once from its id,
  between 2% and 4% (``campaign_base_rate``). The day is one geometric draw per assignment, and
  counts only up to the assignment's ``window_end_date``.
* Uplift: a reached treatment contact accepts with ``persuasion * fit_uplift(...)``, where
  ``fit_uplift = max(0, 0.12 - 0.2 * max(0, offer_fee_change_yuan) / max(arpu_3m_yuan, 10))``:
  an offer costing what the subscriber pays is accepted by 12% of those answering a call, one
  60% or more above it by nobody (its true effect is exactly 0). Missing ARPU counts as 10 yuan,
  a missing fee change as 0. The complaint rate grows with the misfit (up to x3): bad offers annoy.
* An accepted contact orders on D+1 through its channel (a counter order at the contact's store);
  everyone else may order at the base hazard through the ``hotline``. A subject orders at most
  once per campaign among its open assignments (the earliest order day wins).
* One store visit a subscriber and day serves all of the subscriber's retail-counter tasks.

Every draw is a uniform from blake2b of (seed, campaign_id, subscriber_id, contact date, stage),
never Python's ``hash``: reruns write the same bytes and a subject's fate does not depend on
which other rows exist. Defects (``defect_rate`` of the eligible rows, default 0.5%), for the
feedback quarantine: a result row twice in the file (``duplicate_result``; ingestion calls it
``duplicate_key``), a ``sent`` for a contact id dated
1970-01-01 (``unknown_contact``), and the last result of a contact exported more than 3 days
before D re-sent with its original time (``late_result``).

The truth file ``truth/channel_simulator/dt=<D+1>.json`` keeps the summary, the defects and the
MD5 of every file written. CRM files of D+1 that it does not list (the generator's) are never
overwritten: the simulator only plays days the generator did not write.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pyarrow.parquet as pq

from telco_mart.campaigns import tables
from telco_mart.campaigns.channels import CHANNELS
from telco_mart.campaigns.channels.exports import DONE_FILE, export_dir, read_channel_export
from telco_mart.contract import Contract, Table, load_contract, load_feedback_contract
from telco_mart.errors import TelcoMartError
from telco_mart.landing.writer import encode_lines, write_extract
from telco_mart.settings import DataLayout, partition_name
from telco_mart.storage.files import write_text_atomic
from telco_mart.storage.keys import DATE_KEY
from telco_mart.storage.partitions import parquet_files, partition_dates, partition_path

SIMULATOR_SEED = 20261130
DEFECT_RATE = 0.005
LATE_AFTER_DAYS = 3
MAX_WINDOW_DAYS = 92  # fct_contacts partitions older than this are not read
BASE_RATE_RANGE, BASE_RATE_DAYS = (0.02, 0.04), 7
FIT_UPLIFT, MISFIT_SLOPE, ARPU_FLOOR_YUAN = 0.12, 0.2, 10.0
UNKNOWN_CONTACT_DATE = "19700101"

RESULT_TABLE, ORDER_TABLE, COMPLAINT_TABLE = "CHANNEL_RESULT", "CRM_PRODUCT_ORDER", "CRM_COMPLAINT"
FUNNEL = ("sent", "delivered", "failed", "reached", "accepted", "refused", "complained", "opted_out")
_HOUR = 3600
_LAST_SECOND = 24 * _HOUR - 1


class SimulationError(TelcoMartError):
    """The simulator cannot play a day (e.g. the generator already wrote its CRM files)."""


@dataclass(frozen=True)
class ChannelTruth:
    """How a channel and its customers behave; times are seconds into the result day."""

    delivered: float
    reached: float
    persuasion: float
    refused: float
    complained: float
    opted_out: float
    works_from: int  # the channel starts its file between these two times
    works_until: int
    delivery_delay: tuple[int, int]
    reach_delay: tuple[int, int]  # after delivery; retail: the visit time of day instead
    answer_delay: tuple[int, int]  # reached -> outcome
    details: tuple[tuple[str, str], ...] = ()  # contact_result -> the channel's own code

    def detail(self, result: str) -> str | None:
        """The channel's free-text code for a result, if it sends one."""
        return dict(self.details).get(result)


CHANNEL_TRUTH: dict[str, ChannelTruth] = {
    "outbound_call": ChannelTruth(
        0.90, 0.55, 1.0, 0.50, 0.020, 0.030, 9 * _HOUR, 20 * _HOUR, (5, 20), (5, 25), (60, 360),
        (("delivered", "RINGING"), ("failed", "UNREACHABLE"), ("reached", "ANSWERED")),
    ),
    "sms": ChannelTruth(
        0.97, 0.60, 0.5, 0.05, 0.003, 0.010, 9 * _HOUR, 12 * _HOUR, (2, 30), (60, 3 * _HOUR), (0, _HOUR),
        (("delivered", "DELIVRD"), ("failed", "UNDELIV"), ("opted_out", "TD")),
    ),
    "retail_counter": ChannelTruth(
        1.0, 0.30, 1.25, 0.40, 0.005, 0.0, 8 * _HOUR, 8 * _HOUR + 1800, (0, 0), (9 * _HOUR, 21 * _HOUR), (300, 1200),
    ),
    "app": ChannelTruth(
        0.80, 0.35, 0.6, 0.10, 0.002, 0.020, 10 * _HOUR, 20 * _HOUR, (1, 60), (60, 4 * _HOUR), (0, 1800),
        (("delivered", "PUSH_OK"), ("failed", "NO_TOKEN"), ("reached", "OPENED")),
    ),
}  # fmt: skip


@dataclass(frozen=True)
class SimulationSummary:
    """What one simulated day came to. ``results`` counts rows per channel and result, defects
    left out; ``orders`` counts the orders of D+1 per arm."""

    business_date: date
    result_date: date
    results: dict[str, dict[str, int]]
    orders: dict[str, int]
    accepted_orders: int
    complaints: int
    defects: dict[str, int]
    paths: tuple[Path, ...]
    truth_path: Path

    @property
    def exported_contacts(self) -> int:
        """Contacts of D that the channels worked (each has one ``sent``)."""
        return sum(counts.get("sent", 0) for counts in self.results.values())


def _uniform(*key: object) -> float:
    """A uniform in (0, 1) from a stable hash of ``key``."""
    digest = hashlib.blake2b("\x1f".join(map(str, key)).encode(), digest_size=8).digest()
    return (int.from_bytes(digest, "big") + 0.5) / 2**64


def _between(low: int, high: int, u: float) -> int:
    return low + int(u * (high - low + 1)) if high > low else low


def campaign_base_rate(seed: int, campaign_id: str) -> float:
    """The share of a campaign's subjects who order within 7 days without any contact."""
    low, high = BASE_RATE_RANGE
    return low + (high - low) * _uniform(seed, campaign_id, "base_rate")


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def misfit(offer_fee_change_yuan: float | None, arpu_3m_yuan: float | None) -> float:
    """How far above the subscriber's ARPU the offer costs, as a share of that ARPU (0 when cheaper)."""
    change = 0.0 if _missing(offer_fee_change_yuan) else max(0.0, float(offer_fee_change_yuan))
    arpu = ARPU_FLOOR_YUAN if _missing(arpu_3m_yuan) else max(float(arpu_3m_yuan), ARPU_FLOOR_YUAN)
    return change / arpu


def fit_uplift(offer_fee_change_yuan: float | None, arpu_3m_yuan: float | None) -> float:
    """The acceptance chance of a reached contact, before the channel's persuasion."""
    return max(0.0, FIT_UPLIFT - MISFIT_SLOPE * misfit(offer_fee_change_yuan, arpu_3m_yuan))


@dataclass(frozen=True)
class _Contact:
    """One exported contact and how it went."""

    contact_id: str
    campaign_id: str
    subscriber_id: str
    channel: str
    contact_date: date
    store_id: str | None
    stages: tuple[tuple[str, int], ...]  # (contact_result, second of the result day)

    @property
    def outcome(self) -> str:
        return self.stages[-1][0]


def _play(seed: int, row: dict, channel: str, contact_date: date) -> tuple[tuple[str, int], ...]:
    """The stages a contact reached and their times."""
    truth = CHANNEL_TRUTH[channel]
    key = (seed, row["campaign_id"], row["subscriber_id"], contact_date.isoformat())
    # One store visit a day serves every open task of the subscriber.
    visit = (seed, "*", row["subscriber_id"], contact_date.isoformat()) if channel == "retail_counter" else key
    sent = _between(truth.works_from, truth.works_until, _uniform(*key, "sent_at"))
    delivered_at = sent + _between(*truth.delivery_delay, _uniform(*key, "delivered_at"))
    if _uniform(*visit, "delivered") >= truth.delivered:
        return (("sent", sent), ("failed", delivered_at))
    stages = [("sent", sent), ("delivered", delivered_at)]
    if _uniform(*visit, "reached") >= truth.reached:
        return tuple(stages)
    if channel == "retail_counter":
        reached_at = _between(*truth.reach_delay, _uniform(*visit, "reached_at"))
    else:
        reached_at = delivered_at + _between(*truth.reach_delay, _uniform(*key, "reached_at"))
    stages.append(("reached", reached_at))
    answered_at = reached_at + _between(*truth.answer_delay, _uniform(*key, "answered_at"))
    fee_change, arpu = row.get("offer_fee_change_yuan"), row.get("arpu_3m_yuan")
    if _uniform(*key, "accepted") < min(1.0, truth.persuasion * fit_uplift(fee_change, arpu)):
        stages.append(("accepted", answered_at))
    else:
        complained = truth.complained * (1.0 + min(misfit(fee_change, arpu), 2.0))
        u, outcome = _uniform(*key, "response"), None
        for result, share in (("complained", complained), ("opted_out", truth.opted_out), ("refused", truth.refused)):
            if u < share:
                outcome = result
                break
            u -= share
        if outcome:
            stages.append((outcome, answered_at))
    return tuple((result, min(at, _LAST_SECOND)) for result, at in stages)


def _exported(layout: DataLayout, day: date) -> dict[str, tuple[str, str | None, str | None, str | None]]:
    """contact_id -> (channel, campaign_id, subscriber_id, store_id) of the published exports of a date."""
    exported = {}
    for channel in CHANNELS:
        if not (export_dir(layout, channel, day) / DONE_FILE).is_file():
            continue
        for row in read_channel_export(layout, channel, day).to_dict(orient="records"):
            if channel == "retail_counter":
                ids, campaigns = row["contact_ids"], row["campaign_ids"]
                campaigns = campaigns if len(campaigns) == len(ids) else [None] * len(ids)
                for contact_id, campaign_id in zip(ids, campaigns, strict=True):
                    exported[contact_id] = (channel, campaign_id, row["subscriber_id"], row["store_id"])
            else:
                exported[row["contact_id"]] = (channel, row["campaign_id"], row["subscriber_id"], None)
    return exported


_ASSIGNMENT_COLUMNS = (
    "contact_id", "campaign_id", "subscriber_id", "arm", "store_id", "offer_package_id",
    "offer_fee_change_yuan", "arpu_3m_yuan", "success_within_days", "window_end_date",
)  # fmt: skip


def _open_assignments(layout: DataLayout, day: date, result_date: date) -> dict[date, list[dict]]:
    """The fct_contacts rows of D and earlier whose success window is open on D+1, by contact date."""
    table_dir = layout.mart / tables.CONTACTS
    found: dict[date, list[dict]] = {}
    for contact_date in partition_dates(table_dir, DATE_KEY):
        if not day - timedelta(days=MAX_WINDOW_DAYS) <= contact_date <= day:
            continue
        for path in parquet_files(partition_path(table_dir, DATE_KEY, contact_date)):
            for row in pq.read_table(path, columns=list(_ASSIGNMENT_COLUMNS)).to_pylist():
                end = row["window_end_date"] or contact_date + timedelta(days=row["success_within_days"])
                if end >= result_date:
                    found.setdefault(contact_date, []).append({**row, "window_end_date": end})
    return found


def _contacts(seed: int, layout: DataLayout, contact_date: date, rows: list[dict]) -> dict[str, _Contact]:
    """The exported contacts of a date, each played through its channel."""
    by_id = {row["contact_id"]: row for row in rows}
    played = {}
    for contact_id, (channel, campaign_id, subscriber_id, store_id) in _exported(layout, contact_date).items():
        row = {"campaign_id": campaign_id, "subscriber_id": subscriber_id, "store_id": store_id}
        row.update({k: v for k, v in by_id.get(contact_id, {}).items() if v is not None})
        if row["campaign_id"] is None:
            raise SimulationError(f"{channel} export of {contact_date}: contact {contact_id} names no campaign")
        stages = _play(seed, row, channel, contact_date)
        played[contact_id] = _Contact(
            contact_id, row["campaign_id"], row["subscriber_id"], channel, contact_date, row["store_id"], stages
        )
    return played


def _order_of(seed: int, row: dict, contact_date: date, contact: _Contact | None) -> tuple[date, int, str] | None:
    """(day, second, channel_type) of the subject's order of this assignment, or None."""
    key = (seed, row["campaign_id"], row["subscriber_id"], contact_date.isoformat())
    if contact is not None and contact.outcome == "accepted":
        ordered_at = min(contact.stages[-1][1] + _between(0, 600, _uniform(*key, "order_at")), _LAST_SECOND)
        return contact_date + timedelta(days=1), ordered_at, contact.channel
    hazard = 1.0 - (1.0 - campaign_base_rate(seed, row["campaign_id"])) ** (1.0 / BASE_RATE_DAYS)
    after = 1 + int(math.log(_uniform(*key, "base_order")) / math.log(1.0 - hazard))
    if after > (row["window_end_date"] - contact_date).days:
        return None
    return contact_date + timedelta(days=after), _between(8 * _HOUR, 22 * _HOUR, _uniform(*key, "base_at")), "hotline"


def _timestamp(day: date, second: int) -> str:
    return f"{day:%Y%m%d}{second // _HOUR:02d}{second % _HOUR // 60:02d}{second % 60:02d}"


def _orders(seed: int, assignments: dict[date, list[dict]], played: dict[date, dict], result_date: date) -> list[dict]:
    """The orders of D+1: a subject's earliest order day over its open assignments, if it is D+1."""
    first: dict[tuple[str, str], tuple] = {}
    for contact_date, rows in sorted(assignments.items()):
        for row in rows:
            if row["offer_package_id"] is None:
                continue
            contact = played.get(contact_date, {}).get(row["contact_id"]) if row["arm"] == tables.TREATMENT else None
            order = _order_of(seed, row, contact_date, contact)
            subject = (row["campaign_id"], row["subscriber_id"])
            if order and (subject not in first or order[0] < first[subject][0]):
                first[subject] = (*order, row)
    orders = []
    for day, second, channel, row in sorted(
        first.values(), key=lambda o: (o[1], o[3]["campaign_id"], o[3]["subscriber_id"])
    ):
        if day == result_date:
            store = row["store_id"] if channel == "retail_counter" else None
            orders.append({"subscriber_id": row["subscriber_id"], "package_id": row["offer_package_id"],
                           "order_action": "order", "ordered_at": _timestamp(day, second),
                           "channel_type": channel, "store_id": store, "arm": row["arm"]})  # fmt: skip
    for number, order in enumerate(orders, start=1):
        order["order_id"] = f"SIMOD{result_date:%Y%m%d}{number:06d}"
    return orders


def _result_rows(contact: _Contact, result_date: date) -> list[dict]:
    truth = CHANNEL_TRUTH[contact.channel]
    return [
        {"contact_id": contact.contact_id, "contact_result": result, "campaign_id": contact.campaign_id,
         "subscriber_id": contact.subscriber_id, "channel_type": contact.channel,
         "result_at": _timestamp(result_date, second), "detail": truth.detail(result)}
        for result, second in contact.stages
    ]  # fmt: skip


def _defects(seed: int, rate: float, day: date, played: dict[date, dict[str, _Contact]]) -> list[tuple[str, dict]]:
    """(kind, result row) of the day's deliberate defects."""
    defects = []
    for contact in played[day].values():
        key = (seed, contact.campaign_id, contact.subscriber_id, contact.contact_date.isoformat())
        for row in _result_rows(contact, day + timedelta(days=1)):
            if _uniform(*key, f"duplicate/{row['contact_result']}") < rate:
                defects.append(("duplicate_result", row))
        if _uniform(*key, "unknown_contact") < rate:
            unknown = f"{UNKNOWN_CONTACT_DATE}-{contact.campaign_id}-{contact.subscriber_id}"
            defects.append(
                ("unknown_contact", {**_result_rows(contact, day + timedelta(days=1))[0], "contact_id": unknown})
            )
    for contact_date, contacts in sorted(played.items()):
        if contact_date >= day - timedelta(days=LATE_AFTER_DAYS):
            continue
        for contact in contacts.values():
            key = (seed, contact.campaign_id, contact.subscriber_id, contact_date.isoformat(), f"late_result/{day}")
            if _uniform(*key) < rate:  # the last result, as recorded on its own day
                defects.append(("late_result", _result_rows(contact, contact_date + timedelta(days=1))[-1]))
    return defects


def _complaints(contacts: list[_Contact], seed: int, result_date: date) -> list[dict]:
    rows = []
    for number, contact in enumerate((c for c in contacts if c.outcome == "complained"), start=1):
        key = (seed, contact.campaign_id, contact.subscriber_id, contact.contact_date.isoformat(), "complained_at")
        second = min(contact.stages[-1][1] + _between(300, 2 * _HOUR, _uniform(*key)), _LAST_SECOND)
        rows.append({"complaint_id": f"SIMCP{result_date:%Y%m%d}{number:06d}", "subscriber_id": contact.subscriber_id,
                     "complained_at": _timestamp(result_date, second), "complaint_category": "marketing_disturbance",
                     "channel_type": contact.channel})  # fmt: skip
    return rows


def _text(table: Table, rows: list[dict]) -> list[str]:
    """Each row as a contract line: every column in order, ``|``-delimited, empty for missing."""
    lines = []
    for row in rows:
        values = []
        for column in table.columns:
            value = row.get(column.name)
            if value is None or value == "":
                if column.required:
                    raise SimulationError(f"{table.name}: required column {column.name} is empty in {row}")
                value = ""
            values.append(str(value))
        lines.append("|".join(values) + "\n")
    return lines


def _write(contract: Contract, name: str, result_date: date, layout: DataLayout, rows: list[dict]) -> list[Path]:
    table = contract.table(name)
    lines = _text(table, rows)
    count = table.part_count(len(lines))
    size = max(1, -(-len(lines) // count))
    parts = [encode_lines("".join(lines[i * size : (i + 1) * size]), table.encoding) for i in range(count)]
    folder = layout.landing_dir(table.source, result_date)
    written = write_extract(contract, table, result_date, folder, parts)
    return [part.path for part in written] + [folder / contract.control_file_name(name, result_date)]


def simulation_truth_path(layout: DataLayout, result_date: date) -> Path:
    """The simulator's truth file of the day it wrote (D+1)."""
    return layout.truth / "channel_simulator" / f"{partition_name(result_date)}.json"


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def _check_crm_landing(layout: DataLayout, contract: Contract, result_date: date) -> None:
    """Refuse to overwrite CRM order or complaint files of D+1 that the simulator did not write."""
    folder = layout.landing_dir(contract.table(ORDER_TABLE).source, result_date)
    truth = simulation_truth_path(layout, result_date)
    ours = json.loads(truth.read_text(encoding="utf-8"))["files"] if truth.is_file() else {}
    prefixes = tuple(f"{name}_{result_date:%Y%m%d}" for name in (ORDER_TABLE, COMPLAINT_TABLE))
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        is_crm_file = path.name.startswith(prefixes) and path.name.endswith((".dat.gz", ".ctl"))
        if is_crm_file and ours.get(path.relative_to(layout.root).as_posix()) != _md5(path):
            raise SimulationError(
                f"{folder} already holds {path.name}, which the channel simulator did not write (the "
                f"generator's?): the simulator only plays days the generator did not write"
            )


def simulate_day(
    layout: DataLayout, business_date: date, seed: int = SIMULATOR_SEED, defect_rate: float = DEFECT_RATE
) -> SimulationSummary:
    """Play the channels and the customers on D's exports; write D+1's results, orders and complaints."""
    if not 0.0 <= defect_rate < 1.0:
        raise ValueError(f"defect_rate must be at least 0 and below 1, got {defect_rate}")
    result_date = business_date + timedelta(days=1)
    crm, feedback = load_contract(), load_feedback_contract()
    _check_crm_landing(layout, crm, result_date)
    assignments = _open_assignments(layout, business_date, result_date)
    played = {d: _contacts(seed, layout, d, assignments.get(d, [])) for d in sorted({*assignments, business_date})}
    today = sorted(played[business_date].values(), key=lambda c: c.contact_id)
    results = [row for contact in today for row in _result_rows(contact, result_date)]
    defects = _defects(seed, defect_rate, business_date, played)
    rows = sorted(
        results + [row for _, row in defects],
        key=lambda r: (r["contact_id"], FUNNEL.index(r["contact_result"]), r["result_at"]),
    )
    orders = _orders(seed, assignments, played, result_date)
    complaints = _complaints(today, seed, result_date)
    paths = [
        *_write(feedback, RESULT_TABLE, result_date, layout, rows),
        *_write(crm, ORDER_TABLE, result_date, layout, orders),
        *_write(crm, COMPLAINT_TABLE, result_date, layout, complaints),
    ]
    counts: dict[str, dict[str, int]] = {}
    for row in results:
        by_result = counts.setdefault(row["channel_type"], {})
        by_result[row["contact_result"]] = by_result.get(row["contact_result"], 0) + 1
    summary = SimulationSummary(
        business_date=business_date,
        result_date=result_date,
        results={
            channel: dict(sorted(c.items(), key=lambda i: FUNNEL.index(i[0]))) for channel, c in sorted(counts.items())
        },
        orders={arm: sum(o["arm"] == arm for o in orders) for arm in (tables.TREATMENT, tables.CONTROL)},
        accepted_orders=sum(o["channel_type"] != "hotline" for o in orders),
        complaints=len(complaints),
        defects={
            kind: sum(k == kind for k, _ in defects) for kind in ("duplicate_result", "unknown_contact", "late_result")
        },
        paths=tuple(paths),
        truth_path=simulation_truth_path(layout, result_date),
    )
    _write_truth(layout, summary, seed, defect_rate, defects)
    return summary


def _write_truth(layout: DataLayout, summary: SimulationSummary, seed: int, rate: float, defects: list) -> None:
    body = {
        "business_date": summary.business_date.isoformat(),
        "result_date": summary.result_date.isoformat(),
        "seed": seed,
        "defect_rate": rate,
        "results": summary.results,
        "orders": summary.orders,
        "accepted_orders": summary.accepted_orders,
        "complaints": summary.complaints,
        "defects": [
            {"kind": k, "contact_id": r["contact_id"], "contact_result": r["contact_result"]} for k, r in defects
        ],
        "files": {p.relative_to(layout.root).as_posix(): _md5(p) for p in summary.paths},
    }
    write_text_atomic(summary.truth_path, json.dumps(body, indent=2, sort_keys=True) + "\n")


def format_simulation_summary(summary: SimulationSummary) -> str:
    """A few lines for the console."""
    lines = [
        f"Channel simulation of {summary.business_date}: {summary.exported_contacts:,} exported contacts; "
        f"results, orders and complaints dated {summary.result_date}"
    ]
    for channel, counts in summary.results.items():
        lines.append(f"  {channel}: " + ", ".join(f"{result} {n:,}" for result, n in counts.items()))
    treatment, control = summary.orders[tables.TREATMENT], summary.orders[tables.CONTROL]
    lines.append(
        f"  orders: {treatment:,} treatment ({summary.accepted_orders:,} accepted offers), {control:,} control"
    )
    lines.append(f"  complaints: {summary.complaints:,}")
    lines.append("  defects: " + ", ".join(f"{kind} {n:,}" for kind, n in summary.defects.items()))
    lines.append(f"  wrote {len(summary.paths)} files; truth in {summary.truth_path}")
    return "\n".join(lines)
