{{ config(partition_by=['business_date']) }}

with

packages as (

    select * from {{ ref('stg_crm__packages') }}
    where business_date = {{ business_date() }}

),

final as (

    select
        -- ids
        package_id,
        -- descriptions and codes
        package_name,
        network_generation,
        package_scope,
        -- numerics
        {{ generation_rank('network_generation') }} as generation_rank,
        monthly_fee_yuan,
        voice_minutes_included,
        data_mb_included,
        sms_included,
        voice_overage_yuan_per_minute,
        data_overage_yuan_per_mb,
        sms_overage_yuan_per_message,
        -- booleans
        is_on_sale,
        -- partition
        business_date

    from packages

)

select * from final
