with

source as (

    select * from {{ source('bi', 'bi_high_value_list') }}

),

renamed as (

    select
        -- ids
        subscriber_id,
        msisdn,
        -- numerics
        list_year,
        photographed_arpu_yuan,
        -- descriptions and codes
        network_generation,
        -- partition
        dt as business_date

    from source

)

select * from renamed
