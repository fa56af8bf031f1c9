with

source as (

    select * from {{ source('crm', 'crm_customer') }}

),

renamed as (

    select
        -- ids
        customer_id,
        -- dates and timestamps
        birth_date,
        created_date,
        -- descriptions and codes
        customer_name,
        gender,
        city_code as city,
        -- partition
        dt as business_date

    from source

)

select * from renamed
