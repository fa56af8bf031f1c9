with

source as (

    select * from {{ source('crm', 'crm_product_order') }}

),

renamed as (

    select
        -- ids
        order_id,
        subscriber_id,
        package_id,
        store_id,
        -- dates and timestamps
        ordered_at,
        -- descriptions and codes
        order_action,
        channel_type,
        -- partition
        dt as business_date

    from source

)

select * from renamed
