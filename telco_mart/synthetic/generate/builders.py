"""Which function builds which contract table, and which tables are small reference data."""

from __future__ import annotations

from telco_mart.synthetic.generate import tables_bill, tables_crm, tables_dm, tables_gn

TRAFFIC_TABLE = "GN_TRAFFIC"  # built part by part in parallel; every other table in one piece

BUILDERS = {
    "CRM_SUBSCRIBER": tables_crm.subscribers,
    "CRM_CUSTOMER": tables_crm.customers,
    "CRM_CONTRACT": tables_crm.contracts,
    "CRM_PRODUCT": tables_crm.products,
    "CRM_PRODUCT_ORDER": tables_crm.product_orders,
    "CRM_CONTACT_RESTRICTION": tables_crm.restrictions,
    "CRM_COMPLAINT": tables_crm.complaints,
    "CRM_STORE": tables_crm.stores,
    "CRM_HOUSEHOLD_PRODUCT": tables_crm.household_products,
    "BOSS_BILL_MONTHLY": tables_bill.bills,
    "BI_VALUE_SEGMENT": tables_bill.value_segments,
    "BI_HIGH_VALUE_LIST": tables_bill.high_value_list,
    "BI_CHURN_STATUS": tables_bill.churn_status,
    "BI_RETENTION_RESULT": tables_bill.retention_results,
    "GN_APP_RULE": tables_gn.app_rules,
    "GN_PROTOCOL_RULE": tables_gn.protocol_rules,
    "GN_CONTENT_RULE": tables_gn.content_rules,
    "DM_TERMINAL": tables_dm.terminal_library,
    "DM_SUBSCRIBER_IMEI": tables_dm.subscriber_imeis,
}

# Small reference tables: row defects there are kept rare (a tenth of the rate).
REFERENCE_TABLES = frozenset(
    {"CRM_PRODUCT", "CRM_STORE", "GN_APP_RULE", "GN_PROTOCOL_RULE", "GN_CONTENT_RULE", "DM_TERMINAL"}
)
# Tables of the day's events, which can be empty: never chosen for a file-level defect.
EVENT_TABLES = frozenset(
    {
        "CRM_PRODUCT_ORDER",
        "CRM_COMPLAINT",
        "CRM_CONTACT_RESTRICTION",
        "BI_RETENTION_RESULT",
    }
)
