with

source as (

    select * from {{ source('crm', 'crm_contact_restriction') }}

),

renamed as (

    select
        -- ids
        subscriber_id,
        msisdn,
        -- dates and timestamps
        effective_date,
        -- descriptions and codes
        restriction_type,
        reason as restriction_reason,
        -- partition
        dt as business_date

    from source

)

select * from renamed
