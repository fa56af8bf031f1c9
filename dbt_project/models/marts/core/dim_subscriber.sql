{#- The subscriber base view of the business date: who the subscriber is, what they hold
    (package, SIM, contract), the handset they use, their value, and whether they may be
    contacted. The MSISDN appears only masked. -#}
{{ config(partition_by=['business_date']) }}

with

subscribers as (

    select * from {{ ref('stg_crm__subscribers') }}
    where business_date = {{ business_date() }}

),

customers as (

    select * from {{ ref('stg_crm__customers') }}
    where business_date = {{ business_date() }}

),

packages as (

    select * from {{ ref('dim_package') }}
    where business_date = {{ business_date() }}

),

contracts as (

    select * from {{ ref('int_subscribers_current_contract') }}

),

handsets as (

    select * from {{ ref('int_subscribers_current_handset') }}

),

value_segments as (

    select * from {{ ref('int_subscribers_latest_value') }}

),

restrictions as (

    select
        subscriber_id,
        bool_or(restriction_type = 'do_not_disturb') as is_dnd,
        bool_or(restriction_type = 'blacklist') as is_blacklisted

    from {{ ref('stg_crm__contact_restrictions') }}
    where business_date = {{ business_date() }}
    group by subscriber_id

),

final as (

    select
        -- ids
        subscribers.subscriber_id,
        {{ mask_msisdn('subscribers.msisdn') }} as msisdn_masked,
        subscribers.customer_id,
        subscribers.package_id,
        subscribers.home_store_id,
        contracts.contract_id,
        handsets.tac,
        -- descriptions and codes
        subscribers.city,
        subscribers.status,
        subscribers.network_generation,
        subscribers.sim_type,
        customers.gender,
        packages.package_name,
        packages.package_scope,
        packages.network_generation as package_generation,
        contracts.contract_kind,
        contracts.contract_status,
        handsets.terminal_brand,
        handsets.terminal_model,
        handsets.terminal_max_generation,
        handsets.terminal_os_family,
        handsets.terminal_price_band,
        value_segments.value_segment,
        -- numerics
        {{ generation_rank('subscribers.network_generation') }} as generation_rank,
        handsets.terminal_max_generation_rank,
        floor(months_between({{ business_date() }}, customers.birth_date) / 12) as age_years,
        floor(months_between({{ business_date() }}, subscribers.join_date)) as tenure_months,
        packages.monthly_fee_yuan as package_monthly_fee_yuan,
        value_segments.arpu_3m_yuan,
        floor(months_between(contracts.contract_end_date, {{ business_date() }})) as months_to_contract_end,
        -- booleans
        subscribers.sim_type = 'USIM' as is_usim,
        coalesce(handsets.is_terminal_matched, false) as is_terminal_matched,
        handsets.terminal_supports_volte,
        coalesce(value_segments.is_high_value_listed, false) as is_high_value_listed,
        coalesce(restrictions.is_dnd, false) as is_dnd,
        coalesce(restrictions.is_blacklisted, false) as is_blacklisted,
        -- dates
        subscribers.join_date,
        contracts.contract_start_date,
        contracts.contract_end_date,
        handsets.handset_seen_date,
        subscribers.business_date

    from subscribers
    left join customers
        on subscribers.customer_id = customers.customer_id
    left join packages
        on subscribers.package_id = packages.package_id
    left join contracts
        on subscribers.subscriber_id = contracts.subscriber_id
    left join handsets
        on subscribers.subscriber_id = handsets.subscriber_id
    left join value_segments
        on subscribers.subscriber_id = value_segments.subscriber_id
    left join restrictions
        on subscribers.subscriber_id = restrictions.subscriber_id

)

select * from final
