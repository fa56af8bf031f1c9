with

source as (

    select * from {{ source('crm', 'crm_subscriber') }}

),

renamed as (

    select
        -- ids
        subscriber_id,
        msisdn,
        customer_id,
        package_id,
        home_store_id,
        -- dates and timestamps
        join_date,
        -- descriptions and codes
        city_code as city,
        status,
        network_generation,
        sim_type,
        -- partition
        dt as business_date

    from source

)

select * from renamed
