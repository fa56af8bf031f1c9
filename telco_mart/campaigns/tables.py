"""The campaign tables of the mart and their columns: the one place that names them.

All are Parquet partitions ``mart/<table>/business_date=<date>/`` written atomically by
``telco_mart.storage.spark_writes.write_mart_partition``.
"""

from __future__ import annotations

CONTACTS = "fct_contacts"
CONTACT_RESULTS = "fct_contact_results"
CONTACT_SUPPRESSIONS = "fct_contact_suppressions"
CONTACT_OUTCOMES = "fct_contact_outcomes"
CAMPAIGN_EFFECT = "fct_campaign_effect"
CAMPAIGN_FUNNEL = "fct_campaign_funnel"
MARKETING_CASES = "fct_marketing_cases"

TREATMENT, CONTROL = "treatment", "control"
TEST_WAVE, FULL_WAVE = "test", "full"

# The subscriber's features as they were on the contact date: kept with every assignment so the
# knowledge base and the acceptance propensity learn from what was known when the offer went out.
CONTACT_FEATURES = (
    "age_years",
    "tenure_months",
    "arpu_3m_yuan",
    "package_monthly_fee_yuan",
    "months_to_contract_end",
    "generation_rank",
    "terminal_max_generation_rank",
    "value_segment",
)
OFFER_FEATURES = ("offer_fee_yuan", "offer_fee_change_yuan")
# The propensity model reads the numeric features at contact time and the offer's.
PROPENSITY_NUMERIC = (*(c for c in CONTACT_FEATURES if c != "value_segment"), *OFFER_FEATURES)
PROPENSITY_CATEGORICAL = ("value_segment", "channel", "task_code")

# One row per assignment of a subscriber to a campaign on the date (partition business_date):
# arm "treatment" (exported to `channel`) or "control" (the hashed hold-out, never contacted).
CONTACT_COLUMNS = (
    "contact_id",  # "<yyyymmdd>-<campaign_id>-<subscriber_id>"
    "campaign_id",
    "subscriber_id",
    "msisdn_masked",
    "arm",
    "wave",
    "channel",  # null for control
    "channel_preference_rank",  # 1 = the campaign's first channel; null for control
    "city",
    "store_id",  # the home store (retail counter)
    "task_code",
    "offer_package_id",
    "offer_name",
    *OFFER_FEATURES,
    "offer_value_yuan",
    "priority",
    "exclusion_group",
    "propensity",
    "propensity_source",  # "prior" (expected base rate + uplift) or "<task>/<version>"
    "expected_value_yuan",  # propensity x offer value
    "arbitration_score",  # priority x expected value
    "success_within_days",
    "window_end_date",  # the last day an order counts as a success
    *CONTACT_FEATURES,
)
