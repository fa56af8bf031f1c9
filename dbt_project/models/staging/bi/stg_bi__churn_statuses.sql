with

source as (

    select * from {{ source('bi', 'bi_churn_status') }}

),

renamed as (

    select
        -- ids
        subscriber_id,
        -- dates and timestamps
        cast(stat_month as date) as stat_month,
        churn_date,
        -- descriptions and codes
        churn_status,
        -- partition
        dt as business_date

    from source

)

select * from renamed
