with

source as (

    select * from {{ source('dm', 'dm_terminal') }}

),

renamed as (

    select
        -- ids
        tac,
        -- booleans
        supports_volte,
        -- descriptions and codes
        brand,
        model,
        max_generation,
        os_family,
        price_band,
        -- partition
        dt as business_date

    from source

)

select * from renamed
