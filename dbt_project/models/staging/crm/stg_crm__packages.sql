with

source as (

    select * from {{ source('crm', 'crm_product') }}

),

renamed as (

    select
        -- ids
        package_id,
        -- booleans
        is_on_sale,
        -- numerics
        monthly_fee_yuan,
        voice_minutes_included,
        data_mb_included,
        sms_included,
        voice_overage_yuan_per_minute,
        data_overage_yuan_per_mb,
        sms_overage_yuan_per_message,
        -- descriptions and codes
        package_name,
        network_generation,
        package_scope,
        -- partition
        dt as business_date

    from source

)

select * from renamed
