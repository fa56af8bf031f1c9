{#- One wide row per subscriber for the business date: every column a tag definition may
    use. Tag definitions (tags/*.yml) are expressions over these columns only, so adding a
    tag is a YAML change; adding an input is a change here and in its YAML. -#}
{%- set categories = ['video', 'music', 'games', 'news', 'finance', 'shopping', 'travel',
    'social', 'reading', 'food', 'sports', 'tools'] %}
{%- set order_channels = ['retail_counter', 'outbound_call', 'sms', 'app', 'field_sales', 'hotline'] %}

with

subscribers as (

    select * from {{ ref('dim_subscriber') }}
    where business_date = {{ business_date() }}

),

app_usage as (

    select * from {{ ref('fct_subscriber_app_usage') }}
    where business_date = {{ business_date() }}

),

monthly_usage as (

    select * from {{ ref('fct_subscriber_monthly_usage') }}
    where
        billing_month <= date_format({{ business_date() }}, 'yyyy-MM')
        and billing_month >= date_format(add_months({{ business_date() }}, -3), 'yyyy-MM')

),

handset_changes as (

    select * from {{ ref('fct_handset_change') }}
    where
        business_date > date_sub({{ business_date() }}, 90)
        and business_date <= {{ business_date() }}

),

orders as (

    select * from {{ ref('stg_crm__package_orders') }}
    where
        business_date > date_sub({{ business_date() }}, {{ var('order_lookback_days') }})
        and business_date <= {{ business_date() }}

),

complaints as (

    select * from {{ ref('stg_crm__complaints') }}
    where
        business_date > date_sub({{ business_date() }}, 90)
        and business_date <= {{ business_date() }}

),

retention_results as (

    select * from {{ ref('stg_bi__retention_results') }}
    where
        business_date > date_sub({{ business_date() }}, 90)
        and business_date <= {{ business_date() }}

),

household_products as (

    select * from {{ ref('stg_crm__household_products') }}
    where
        business_date = {{ business_date() }}
        and product_status = 'active'

),

app_usage_pivoted as (

    select
        subscriber_id,
        {%- for category in categories %}
            coalesce(max(case when app_category = '{{ category }}' then share_of_bytes_30d end), 0)
                as share_of_bytes_30d_{{ category }},
            coalesce(max(case when app_category = '{{ category }}' then active_days_30d end), 0)
                as active_days_30d_{{ category }},
        {%- endfor %}
        sum(bytes_30d) / 1048576 as data_mb_30d,
        sum(sessions_7d) as sessions_7d,
        count_if(share_of_bytes_30d >= 0.05) as interest_categories_30d

    from app_usage
    group by subscriber_id

),

bills as (

    select
        subscriber_id,
        max_by(total_fee_yuan, billing_month) as bill_total_fee_yuan,
        max_by(overage_fee_yuan, billing_month) as bill_overage_fee_yuan,
        max_by(value_added_fee_yuan, billing_month) as bill_value_added_fee_yuan,
        max_by(voice_minutes, billing_month) as bill_voice_minutes,
        max_by(data_mb, billing_month) as bill_data_mb,
        max_by(sms_count, billing_month) as bill_sms_count,
        max_by(mms_count, billing_month) as bill_mms_count,
        max_by(balance_yuan, billing_month) as bill_balance_yuan,
        max_by(arrears_yuan, billing_month) as bill_arrears_yuan,
        max_by(forwarded_minutes_share, billing_month) as forwarded_minutes_share,
        max_by(data_allowance_used_share, billing_month) as data_allowance_used_share,
        max_by(voice_allowance_used_share, billing_month) as voice_allowance_used_share,
        avg(total_fee_yuan) as bill_average_fee_yuan,
        count(*) as bills_recent

    from monthly_usage
    group by subscriber_id

),

handset_history as (

    select
        subscriber_id,
        count_if(business_date > date_sub({{ business_date() }}, 30)) as handset_changes_30d,
        count(*) as handset_changes_90d,
        bool_or(is_generation_upgrade) as had_generation_upgrade_90d,
        datediff({{ business_date() }}, max(business_date)) as days_since_handset_change

    from handset_changes
    group by subscriber_id

),

order_history as (

    select
        subscriber_id,
        count_if(order_action = 'order') as orders_90d,
        count_if(order_action = 'cancel') as cancellations_90d,
        {%- for channel in order_channels %}
            count_if(channel_type = '{{ channel }}') as orders_via_{{ channel }}_90d,
        {%- endfor %}
        mode(channel_type) as preferred_order_channel

    from orders
    group by subscriber_id

),

complaint_history as (

    select
        subscriber_id,
        count(*) as complaints_90d,
        count_if(complaint_category = 'marketing_disturbance') as marketing_complaints_90d,
        count_if(complaint_category = 'billing') as billing_complaints_90d,
        count_if(complaint_category = 'network_quality') as network_complaints_90d

    from complaints
    group by subscriber_id

),

retention_history as (

    select
        subscriber_id,
        count(*) as retention_contacts_90d,
        max_by(retention_outcome, contact_date) as last_retention_outcome,
        datediff({{ business_date() }}, max(contact_date)) as days_since_retention_contact

    from retention_results
    group by subscriber_id

),

customer_household as (

    select
        customer_id,
        bool_or(product_type = 'landline') as has_landline,
        bool_or(product_type = 'broadband') as has_broadband,
        bool_or(product_type = 'iptv') as has_iptv,
        min(
            case
                when product_type = 'iptv'
                    then datediff({{ business_date() }}, coalesce(last_used_date, opened_date))
            end
        ) as iptv_days_since_use

    from household_products
    group by customer_id

),

customer_lines as (

    select
        customer_id,
        count_if(status = 'active') as customer_active_lines

    from subscribers
    group by customer_id

),

final as (

    select
        subscribers.subscriber_id,
        -- basic and value
        subscribers.city,
        subscribers.status,
        subscribers.gender,
        subscribers.age_years,
        subscribers.tenure_months,
        subscribers.network_generation,
        subscribers.generation_rank,
        subscribers.sim_type,
        subscribers.is_usim,
        subscribers.value_segment,
        subscribers.arpu_3m_yuan,
        subscribers.is_high_value_listed,
        subscribers.is_dnd,
        subscribers.is_blacklisted,
        coalesce(customer_lines.customer_active_lines, 0) as customer_active_lines,
        -- fixed-line household products of the customer
        coalesce(customer_household.has_landline, false) as has_landline,
        coalesce(customer_household.has_broadband, false) as has_broadband,
        coalesce(customer_household.has_iptv, false) as has_iptv,
        customer_household.iptv_days_since_use,
        -- package and contract
        subscribers.package_id,
        subscribers.package_scope,
        subscribers.package_generation,
        subscribers.package_monthly_fee_yuan,
        subscribers.contract_kind,
        subscribers.contract_status,
        subscribers.months_to_contract_end,
        subscribers.contract_id is not null as has_contract,
        -- terminal
        subscribers.is_terminal_matched,
        subscribers.tac is not null as has_handset_record,
        subscribers.terminal_brand,
        subscribers.terminal_max_generation,
        subscribers.terminal_max_generation_rank,
        subscribers.terminal_os_family,
        subscribers.terminal_price_band,
        coalesce(subscribers.terminal_supports_volte, false) as terminal_supports_volte,
        coalesce(handset_history.handset_changes_30d, 0) as handset_changes_30d,
        coalesce(handset_history.handset_changes_90d, 0) as handset_changes_90d,
        coalesce(handset_history.had_generation_upgrade_90d, false) as had_generation_upgrade_90d,
        handset_history.days_since_handset_change,
        -- bills
        bills.bill_total_fee_yuan,
        bills.bill_overage_fee_yuan,
        bills.bill_value_added_fee_yuan,
        bills.bill_voice_minutes,
        bills.bill_data_mb,
        bills.bill_sms_count,
        bills.bill_mms_count,
        bills.bill_balance_yuan,
        bills.bill_arrears_yuan,
        bills.bill_average_fee_yuan,
        bills.forwarded_minutes_share,
        bills.data_allowance_used_share,
        bills.voice_allowance_used_share,
        -- internet behaviour
        {%- for category in categories %}
            coalesce(app_usage_pivoted.share_of_bytes_30d_{{ category }}, 0) as share_of_bytes_30d_{{ category }},
            coalesce(app_usage_pivoted.active_days_30d_{{ category }}, 0) as active_days_30d_{{ category }},
        {%- endfor %}
        coalesce(app_usage_pivoted.data_mb_30d, 0) as data_mb_30d,
        coalesce(app_usage_pivoted.sessions_7d, 0) as sessions_7d,
        coalesce(app_usage_pivoted.interest_categories_30d, 0) as interest_categories_30d,
        -- channels and service
        coalesce(order_history.orders_90d, 0) as orders_90d,
        coalesce(order_history.cancellations_90d, 0) as cancellations_90d,
        {%- for channel in order_channels %}
            coalesce(order_history.orders_via_{{ channel }}_90d, 0) as orders_via_{{ channel }}_90d,
        {%- endfor %}
        order_history.preferred_order_channel,
        coalesce(complaint_history.complaints_90d, 0) as complaints_90d,
        coalesce(complaint_history.marketing_complaints_90d, 0) as marketing_complaints_90d,
        coalesce(complaint_history.billing_complaints_90d, 0) as billing_complaints_90d,
        coalesce(complaint_history.network_complaints_90d, 0) as network_complaints_90d,
        coalesce(retention_history.retention_contacts_90d, 0) as retention_contacts_90d,
        retention_history.last_retention_outcome,
        retention_history.days_since_retention_contact,
        subscribers.business_date

    from subscribers
    left join customer_lines
        on subscribers.customer_id = customer_lines.customer_id
    left join customer_household
        on subscribers.customer_id = customer_household.customer_id
    left join app_usage_pivoted
        on subscribers.subscriber_id = app_usage_pivoted.subscriber_id
    left join bills
        on subscribers.subscriber_id = bills.subscriber_id
    left join handset_history
        on subscribers.subscriber_id = handset_history.subscriber_id
    left join order_history
        on subscribers.subscriber_id = order_history.subscriber_id
    left join complaint_history
        on subscribers.subscriber_id = complaint_history.subscriber_id
    left join retention_history
        on subscribers.subscriber_id = retention_history.subscriber_id

)

select * from final
