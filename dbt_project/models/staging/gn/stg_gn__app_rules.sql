with

source as (

    select * from {{ source('gn', 'gn_app_rule') }}

),

renamed as (

    select
        -- ids
        app_id,
        -- descriptions and codes
        app_name,
        app_category,
        -- partition
        dt as business_date

    from source

)

select * from renamed
