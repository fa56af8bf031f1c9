"""The sensor that waits for a source's extracts of the business date."""

from __future__ import annotations

from airflow.sdk import BaseSensorOperator
from airflow.sdk.exceptions import AirflowSensorTimeout


class SourceDeliveredSensor(BaseSensorOperator):
    """Succeeds when every control file due from ``source`` for the date has landed.

    On timeout it fails with the names of the files still missing, so the failure in the UI
    says what to chase rather than only that time ran out.
    """

    template_fields = ("business_date",)

    def __init__(self, *, source: str, business_date: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.source = source
        self.business_date = business_date
        self._missing: list[str] = []

    def poke(self, context) -> bool:
        """Look for the due control files once."""
        from telco_mart.pipeline.dates import parse_business_date
        from telco_mart.pipeline.delivery_status import missing_files

        self._missing = missing_files(self.source, parse_business_date(self.business_date))
        if self._missing:
            self.log.info("%s: waiting for %d files: %s", self.source, len(self._missing), ", ".join(self._missing))
        return not self._missing

    def execute(self, context):
        """Poke until delivered; on timeout name the missing files."""
        try:
            return super().execute(context)
        except AirflowSensorTimeout as timeout:
            raise AirflowSensorTimeout(
                f"source {self.source} not delivered for {self.business_date}; missing: {', '.join(self._missing)}"
            ) from timeout
