with

source as (

    select * from {{ source('gn', 'gn_content_rule') }}

),

renamed as (

    select
        -- ids
        host_suffix,
        app_id,
        -- descriptions and codes
        content_category,
        -- partition
        dt as business_date

    from source

)

select * from renamed
