with

source as (

    select * from {{ source('boss', 'boss_bill_monthly') }}

),

renamed as (

    select
        -- ids
        subscriber_id,
        msisdn,
        package_id,
        -- numerics
        total_fee_yuan,
        package_fee_yuan,
        overage_fee_yuan,
        value_added_fee_yuan,
        voice_minutes,
        forwarded_to_other_network_minutes,
        data_mb,
        sms_count,
        mms_count,
        balance_yuan,
        arrears_yuan,
        -- dates and timestamps
        cast(billing_month as date) as billing_month,
        -- partition
        dt as business_date

    from source

)

select * from renamed
