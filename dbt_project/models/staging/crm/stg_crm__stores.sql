with

source as (

    select * from {{ source('crm', 'crm_store') }}

),

renamed as (

    select
        -- ids
        store_id,
        -- numerics
        daily_capacity,
        -- descriptions and codes
        store_name,
        city_code as city,
        district_name,
        channel_type,
        -- partition
        dt as business_date

    from source

)

select * from renamed
