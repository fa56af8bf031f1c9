with

source as (

    select * from {{ source('gn', 'gn_protocol_rule') }}

),

renamed as (

    select
        -- ids
        protocol_id,
        -- descriptions and codes
        protocol_name,
        protocol_family,
        -- partition
        dt as business_date

    from source

)

select * from renamed
