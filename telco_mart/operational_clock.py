"""The one place telco-mart reads the wall clock: when something happened, for audit records.

Business logic never calls this: it takes the business date. Ingestion stamps its audit rows
with it, and the CLI stamps a person's campaign change with it (who acted, and when).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime


def operational_timestamp() -> datetime:
    """Now, in UTC: audit metadata only (when a run or a person acted)."""
    return datetime.fromtimestamp(time.time(), tz=UTC)
