with

source as (

    select * from {{ source('bi', 'bi_value_segment') }}

),

renamed as (

    select
        -- ids
        subscriber_id,
        -- numerics
        arpu_3m_yuan,
        -- dates and timestamps
        cast(stat_month as date) as stat_month,
        -- descriptions and codes
        value_segment,
        -- partition
        dt as business_date

    from source

)

select * from renamed
