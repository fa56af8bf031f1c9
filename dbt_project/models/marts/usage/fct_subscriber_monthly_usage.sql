{#- Monthly usage and spend per subscriber from the BOSS bill, with the package allowances it
    is measured against. Partitioned by billing month; the months in var billing_month_ends
    are rebuilt. -#}
{{ config(partition_by=['billing_month']) }}

with

bills as (

    select * from {{ ref('stg_boss__monthly_bills') }}
    where business_date in ({{ date_list('billing_month_ends') }})

),

packages as (

    {#- Allowances from the latest catalogue on or before the business date: the daily
        catalogue is not kept for every past month end, and a package's allowances do
        not change under its id. -#}
    {{ latest_partition_as_of(ref('stg_crm__packages')) }}

),

final as (

    select
        -- ids
        bills.subscriber_id,
        bills.package_id,
        -- money
        bills.total_fee_yuan,
        bills.package_fee_yuan,
        bills.overage_fee_yuan,
        bills.value_added_fee_yuan,
        bills.balance_yuan,
        bills.arrears_yuan,
        -- usage
        bills.voice_minutes,
        bills.forwarded_to_other_network_minutes,
        bills.data_mb,
        bills.sms_count,
        bills.mms_count,
        packages.voice_minutes_included,
        packages.data_mb_included,
        -- ratios
        bills.forwarded_to_other_network_minutes / nullif(bills.voice_minutes, 0) as forwarded_minutes_share,
        bills.data_mb / nullif(packages.data_mb_included, 0) as data_allowance_used_share,
        bills.voice_minutes / nullif(packages.voice_minutes_included, 0) as voice_allowance_used_share,
        -- dates
        bills.business_date as delivered_date,
        date_format(bills.billing_month, 'yyyy-MM') as billing_month

    from bills
    left join packages
        on bills.package_id = packages.package_id

)

select * from final
