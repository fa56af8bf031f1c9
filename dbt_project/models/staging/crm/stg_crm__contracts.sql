with

source as (

    select * from {{ source('crm', 'crm_contract') }}

),

renamed as (

    select
        -- ids
        contract_id,
        subscriber_id,
        -- numerics
        monthly_commitment_yuan,
        deposit_yuan,
        -- dates and timestamps
        start_date,
        end_date,
        -- descriptions and codes
        contract_kind,
        contract_status,
        -- partition
        dt as business_date

    from source

)

select * from renamed
