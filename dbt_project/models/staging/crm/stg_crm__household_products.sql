with

source as (

    select * from {{ source('crm', 'crm_household_product') }}

),

renamed as (

    select
        -- ids
        household_product_id,
        customer_id,
        -- dates and timestamps
        opened_date,
        last_used_date,
        -- descriptions and codes
        product_type,
        product_status,
        -- partition
        dt as business_date

    from source

)

select * from renamed
