"""Channel export files: format, order, manifest, done flag, publish-time restriction check."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from telco_mart.campaigns.channels import CHANNELS, EXPORT_FORMATS
from telco_mart.campaigns.channels.exports import (
    DONE_FILE,
    EXPORT_SCHEMA_VERSION,
    ExportError,
    list_exports,
    read_channel_export,
    write_channel_export,
)
from telco_mart.settings import DataLayout

DAY = date(2026, 11, 30)
CONFIG_HASH = "c0ffee"
MODELS = {"churn": "churn/v1-abcd1234", "package_fit": "package_fit/v2-0badf00d"}


def _contact(contact_id: str, campaign_id: str, subscriber_id: str, **values) -> dict:
    return {
        "contact_id": contact_id,
        "campaign_id": campaign_id,
        "subscriber_id": subscriber_id,
        "msisdn": f"1380000{subscriber_id[-4:]}",
        **values,
    }


def _rows(channel: str) -> pd.DataFrame:
    """Three rows per channel, one with every nullable column null, Chinese text."""
    if channel == "outbound_call":
        records = [
            _contact("K3", "CMP-B", "S0003", city="太原", priority=5, offer_package_id="P58",
                     script="您好，合约即将到期", reason="合约到期前3个月未续约"),
            _contact("K1", "CMP-A", "S0002", city="大同", priority=9, offer_package_id="P88",
                     script="升级4G", reason="4G终端未开4G"),
            _contact("K2", "CMP-A", "S0001", city=None, priority=9, offer_package_id=None,
                     script=None, reason=None),
        ]  # fmt: skip
    elif channel == "sms":
        records = [
            _contact("K5", "CMP-B", "S0001", template_id="T1", parameters={"name": "张三", "fee": 58}),
            _contact("K4", "CMP-A", "S0002", template_id="T2", parameters={"b": 'x,"y"', "a": [1, 2]}),
            _contact("K6", "CMP-A", "S0003", template_id="T2", parameters=None),
        ]
    elif channel == "retail_counter":
        task = {"task_code": "CR3", "task_name_zh": "合约到期前3个月", "reason_zh": "合约12月到期"}
        records = [
            {"subscriber_id": "S0002", "msisdn": "13800000002", "city": "太原", "store_id": "ST2",
             "contact_ids": ["K8", "K9"], "campaign_ids": ["CMP-A", "CMP-C"], "open_tasks": [task],
             "recommended_package_id": "P58", "recommended_package_name": "4G畅享58元",
             "recommended_monthly_fee_yuan": 58.0, "expected_monthly_change_yuan": -12.5,
             "script": "推荐4G畅享套餐", "last_retention_date": "2026-10-02",
             "last_retention_task_code": "CR3", "last_retention_outcome": "refused"},
            {"subscriber_id": "S0001", "msisdn": "13800000001", "city": None, "store_id": "ST2",
             "contact_ids": ["K7"], "campaign_ids": ["CMP-B"], "open_tasks": [],
             "recommended_package_id": None, "recommended_package_name": None,
             "recommended_monthly_fee_yuan": None, "expected_monthly_change_yuan": None,
             "script": None, "last_retention_date": None,
             "last_retention_task_code": None, "last_retention_outcome": None},
            {"subscriber_id": "S0003", "msisdn": "13800000003", "city": "大同", "store_id": "ST1",
             "contact_ids": ["K10"], "campaign_ids": ["CMP-A"], "open_tasks": [task, task],
             "recommended_package_id": "P88", "recommended_package_name": "全国88元",
             "recommended_monthly_fee_yuan": 88.0, "expected_monthly_change_yuan": 0.0,
             "script": "换卡送流量", "last_retention_date": None,
             "last_retention_task_code": None, "last_retention_outcome": None},
        ]  # fmt: skip
    else:
        records = [
            _contact("K12", "CMP-B", "S0002", offer_package_id="P58", offer_name="畅享58", message="专属优惠"),
            _contact("K11", "CMP-A", "S0003", offer_package_id="P88", offer_name="全国88", message="升级"),
            _contact("K13", "CMP-A", "S0001", offer_package_id=None, offer_name=None, message=None),
        ]
    return pd.DataFrame(records, columns=list(EXPORT_FORMATS[channel].columns))


EXPECTED_ORDER = {
    "outbound_call": ["K2", "K1", "K3"],  # priority 9 before 5; then campaign, subscriber
    "sms": ["K4", "K6", "K5"],
    "retail_counter": ["S0003", "S0001", "S0002"],  # store ST1 before ST2; then subscriber
    "app": ["K13", "K11", "K12"],
}


def _write(layout, channel, rows, restricted=frozenset()):
    return write_channel_export(
        layout, channel, DAY, rows, config_hash=CONFIG_HASH, model_versions=MODELS, restricted_subscriber_ids=restricted
    )


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as dicts with NaN read as None, for comparing values rather than dtypes."""
    return [
        {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()}
        for row in frame.to_dict(orient="records")
    ]


@pytest.fixture
def layout(tmp_path):
    return DataLayout(tmp_path)


@pytest.mark.parametrize("channel", CHANNELS)
def test_round_trip_sorted_in_the_stated_order(layout, channel):
    rows = _rows(channel)
    result = _write(layout, channel, rows)
    assert result.data_path == layout.exports / channel / "2026-11-30" / EXPORT_FORMATS[channel].file_name(DAY)
    back = read_channel_export(layout, channel, DAY)
    key = "subscriber_id" if channel == "retail_counter" else "contact_id"
    assert list(back[key]) == EXPECTED_ORDER[channel]
    assert list(back.columns) == list(EXPORT_FORMATS[channel].columns)
    expected = rows.set_index(key).loc[EXPECTED_ORDER[channel]].reset_index()[list(back.columns)]
    assert _records(back) == _records(expected)
    assert result.rows == 3 and result.removed_at_publish == 0


def test_round_trip_types(layout):
    _write(layout, "outbound_call", _rows("outbound_call"))
    _write(layout, "retail_counter", _rows("retail_counter"))
    outbound = read_channel_export(layout, "outbound_call", DAY)
    retail = read_channel_export(layout, "retail_counter", DAY)
    assert outbound["priority"].dtype == "int64"
    assert retail["recommended_monthly_fee_yuan"].dtype == "float64"
    assert retail["contact_ids"].iloc[2] == ["K8", "K9"], "lists come back as lists"
    assert retail["open_tasks"].iloc[2][0]["task_name_zh"] == "合约到期前3个月"


@pytest.mark.parametrize("channel", CHANNELS)
def test_rerun_with_shuffled_rows_is_byte_identical(layout, channel):
    first = _write(layout, channel, _rows(channel))
    data, manifest = first.data_path.read_bytes(), first.manifest_path.read_bytes()
    done = first.done_path.read_bytes()
    again = _write(layout, channel, _rows(channel).sample(frac=1.0, random_state=7).iloc[::-1])
    assert again.data_path.read_bytes() == data
    assert again.manifest_path.read_bytes() == manifest
    assert again.done_path.read_bytes() == done
    assert sorted(p.name for p in again.data_path.parent.parent.iterdir()) == ["2026-11-30"], "no leftovers"


@pytest.mark.parametrize("channel", CHANNELS)
def test_manifest_describes_the_file(layout, channel):
    result = _write(layout, channel, _rows(channel))
    manifest_text = result.manifest_path.read_text(encoding="utf-8")
    manifest = json.loads(manifest_text)
    data = result.data_path.read_bytes()
    assert manifest["sha256"] == hashlib.sha256(data).hexdigest() == result.sha256
    assert manifest["bytes"] == len(data)
    assert manifest["rows"] == 3
    assert manifest["file"] == result.data_path.name
    assert manifest["schema_version"] == EXPORT_SCHEMA_VERSION
    assert manifest["config_hash"] == CONFIG_HASH and manifest["model_versions"] == MODELS
    expected_campaigns = ["CMP-A", "CMP-B", "CMP-C"] if channel == "retail_counter" else ["CMP-A", "CMP-B"]
    assert manifest["campaign_ids"] == expected_campaigns == list(result.campaign_ids)
    assert manifest_text == json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    assert result.done_path.name == DONE_FILE
    assert result.done_path.read_text(encoding="utf-8") == f"{result.sha256}  {result.data_path.name}\n"


@pytest.mark.parametrize("channel", CHANNELS)
def test_restricted_subscribers_never_reach_a_file(layout, channel):
    result = _write(layout, channel, _rows(channel), restricted=frozenset({"S0002", "S9999"}))
    assert result.rows == 2 and result.removed_at_publish == 1
    assert json.loads(result.manifest_path.read_text(encoding="utf-8"))["removed_at_publish"] == 1
    text = result.data_path.read_text(encoding="utf-8")
    assert "S0002" not in text and "13800000002" not in text
    assert "S0002" not in set(read_channel_export(layout, channel, DAY)["subscriber_id"])


def test_tampered_file_is_refused(layout):
    result = _write(layout, "sms", _rows("sms"))
    result.data_path.write_bytes(result.data_path.read_bytes().replace(b"T2", b"T9"))
    with pytest.raises(ExportError, match=result.data_path.name):
        read_channel_export(layout, "sms", DAY)


def test_wrong_row_count_is_refused(layout):
    result = _write(layout, "app", _rows("app"))
    manifest = json.loads(result.manifest_path.read_text(encoding="utf-8"))
    result.manifest_path.write_text(json.dumps({**manifest, "rows": 4}), encoding="utf-8")
    with pytest.raises(ExportError, match="3 rows, but its manifest says 4"):
        read_channel_export(layout, "app", DAY)


def test_no_done_flag_no_read(layout):
    result = _write(layout, "app", _rows("app"))
    result.done_path.unlink()
    with pytest.raises(ExportError, match="not published"):
        read_channel_export(layout, "app", DAY)
    with pytest.raises(ExportError, match="not published"):
        read_channel_export(layout, "sms", DAY)
    assert [m["is_published"] for m in list_exports(layout, DAY)] == [False]


@pytest.mark.parametrize("channel", CHANNELS)
def test_empty_export_still_publishes(layout, channel):
    result = _write(layout, channel, _rows(channel).iloc[0:0])
    header = (
        b""
        if channel == "app"
        else ("|" if channel == "outbound_call" else ",").join(EXPORT_FORMATS[channel].columns).encode() + b"\n"
    )
    assert result.data_path.read_bytes() == header
    assert result.rows == 0 and result.done_path.is_file() and result.campaign_ids == ()
    back = read_channel_export(layout, channel, DAY)
    assert back.empty and list(back.columns) == list(EXPORT_FORMATS[channel].columns)


def test_pipe_and_line_breaks_are_replaced_by_spaces(layout):
    rows = _rows("outbound_call")
    rows.loc[0, "script"] = "第一行\r\n第二行|结束"
    rows.loc[0, "reason"] = "a|b\nc"
    result = _write(layout, "outbound_call", rows)
    lines = result.data_path.read_bytes().split(b"\n")
    assert len(lines) == 5 and lines[-1] == b"", "header, three rows, final newline"
    assert all(line.count(b"|") == 8 for line in lines[:-1])
    back = read_channel_export(layout, "outbound_call", DAY).set_index("contact_id")
    assert back.loc["K3", "script"] == "第一行  第二行 结束"
    assert back.loc["K3", "reason"] == "a b c"


def test_csv_quotes_and_chinese_text_round_trip(layout):
    result = _write(layout, "sms", _rows("sms"))
    raw = result.data_path.read_bytes()
    assert "张三".encode() in raw and not raw.startswith(b"\xef\xbb\xbf"), "UTF-8, no BOM"
    parsed = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    assert parsed[1][5] == '{"a":[1,2],"b":"x,\\"y\\""}', "compact JSON, sorted keys, RFC 4180 quoted"
    back = read_channel_export(layout, "sms", DAY).set_index("contact_id")
    assert back.loc["K5", "parameters"] == {"fee": 58, "name": "张三"}


def test_money_has_two_decimals_and_none_is_empty(layout):
    result = _write(layout, "retail_counter", _rows("retail_counter"))
    rows = list(csv.DictReader(io.StringIO(result.data_path.read_text(encoding="utf-8"), newline="")))
    assert [r["recommended_monthly_fee_yuan"] for r in rows] == ["88.00", "", "58.00"]
    assert [r["expected_monthly_change_yuan"] for r in rows] == ["0.00", "", "-12.50"]


def test_list_exports_reports_each_channel(layout):
    for channel in ("sms", "outbound_call"):
        _write(layout, channel, _rows(channel), restricted=frozenset({"S0001"}))
    manifests = list_exports(layout, DAY)
    assert [(m["channel"], m["rows"], m["removed_at_publish"], m["is_published"]) for m in manifests] == [
        ("outbound_call", 2, 1, True),
        ("sms", 2, 1, True),
    ]


def test_wrong_columns_are_named(layout):
    rows = _rows("app").drop(columns=["message"]).assign(user_id="x")
    with pytest.raises(ValueError, match=r"missing columns \['message'\], unexpected columns \['user_id'\]"):
        _write(layout, "app", rows)
    assert not (layout.exports / "app").exists()


def test_bad_values_are_refused(layout):
    rows = _rows("sms")
    rows.loc[1, "msisdn"] = None
    with pytest.raises(ValueError, match="null in a required column"):
        _write(layout, "sms", rows)
    with pytest.raises(ValueError, match="contact_id 'K5' appears more than once"):
        _write(layout, "sms", pd.concat([_rows("sms"), _rows("sms").iloc[[0]]]))
    with pytest.raises(ValueError, match="unknown channel"):
        _write(layout, "fax", rows)


def test_arrays_and_numpy_values_from_to_pandas_give_the_same_file(layout):
    """Spark's ``toPandas`` hands over numpy arrays for lists and numpy numbers: same bytes."""
    plain = _write(layout, "retail_counter", _rows("retail_counter")).data_path.read_bytes()
    rows = _rows("retail_counter")
    rows["contact_ids"] = [np.array(ids) for ids in rows["contact_ids"]]
    rows["campaign_ids"] = [tuple(ids) for ids in rows["campaign_ids"]]
    rows["recommended_monthly_fee_yuan"] = rows["recommended_monthly_fee_yuan"].astype("float64")  # None -> NaN
    assert _write(layout, "retail_counter", rows).data_path.read_bytes() == plain


def test_a_refused_write_leaves_the_published_export_alone(layout):
    published = _write(layout, "sms", _rows("sms"))
    rows = _rows("sms")
    rows.loc[0, "parameters"] = "not a dict"
    with pytest.raises(ValueError, match="is not a list or dict"):
        _write(layout, "sms", rows)
    assert published.done_path.is_file()
    assert len(read_channel_export(layout, "sms", DAY)) == 3
