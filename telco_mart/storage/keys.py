"""The partition keys of every zone, defined once.

* ``dt``: a raw (and quarantine, audit) partition, the contract's key for a delivery's date;
* ``business_date``: a mart partition, the business date it was built for;
* ``billing_month``: a monthly mart partition (usage, churn status), the bill's month.
"""

RAW_KEY = "dt"
DATE_KEY = "business_date"
MONTH_KEY = "billing_month"
