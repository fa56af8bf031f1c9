"""Reason codes: why a row was quarantined or a whole table-date rejected.

One list, shared by ingestion (which assigns them), the generator's truth file (which
predicts them) and the audit table (which reports them).
"""

from __future__ import annotations

# Row-level reasons, in the order the checks are applied: a row gets the first that fails.
WRONG_FIELD_COUNT = "wrong_field_count"
MISSING_REQUIRED = "missing_required"
INVALID_MSISDN = "invalid_msisdn"
UNKNOWN_CODE = "unknown_code"
BAD_NUMBER = "bad_number"
BAD_DATE = "bad_date"
BAD_TIMESTAMP = "bad_timestamp"
BAD_FLAG = "bad_flag"
DUPLICATE_KEY = "duplicate_key"
ROW_REASONS = (
    WRONG_FIELD_COUNT,
    MISSING_REQUIRED,
    INVALID_MSISDN,
    UNKNOWN_CODE,
    BAD_NUMBER,
    BAD_DATE,
    BAD_TIMESTAMP,
    BAD_FLAG,
    DUPLICATE_KEY,
)

# File-level reasons: any of them rejects the whole table-date, all parts kept whole.
CONTROL_MISSING = "control_missing"
CONTROL_UNREADABLE = "control_unreadable"
PART_MISSING = "part_missing"
PART_UNLISTED = "part_unlisted"
TRUNCATED = "truncated"
SIZE_MISMATCH = "size_mismatch"
MD5_MISMATCH = "md5_mismatch"
ROW_COUNT_MISMATCH = "row_count_mismatch"
BAD_ENCODING = "bad_encoding"
SIBLING_PART_REJECTED = "sibling_part_rejected"
FILE_REASONS = (
    CONTROL_MISSING,
    CONTROL_UNREADABLE,
    PART_MISSING,
    PART_UNLISTED,
    TRUNCATED,
    SIZE_MISMATCH,
    MD5_MISMATCH,
    ROW_COUNT_MISMATCH,
    BAD_ENCODING,
    SIBLING_PART_REJECTED,
)

# What the generator injects, and the reason ingestion must give for it.
EXPECTED_REASON_OF_DEFECT = {
    "unparseable_number": BAD_NUMBER,
    "unparseable_date": BAD_DATE,
    "unparseable_timestamp": BAD_TIMESTAMP,
    "missing_key": MISSING_REQUIRED,
    "duplicate_key": DUPLICATE_KEY,
    "invalid_msisdn": INVALID_MSISDN,
    "unknown_code": UNKNOWN_CODE,
    "wrong_field_count": WRONG_FIELD_COUNT,
    "truncated_file": TRUNCATED,
    "control_mismatch": ROW_COUNT_MISMATCH,
    "late_file": CONTROL_MISSING,
}
