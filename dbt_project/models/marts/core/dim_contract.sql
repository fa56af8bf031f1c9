{#- Every contract CRM delivers on the business date: the active ones and those ended or
    renewed within the last year. Point-in-time churn features read the contract a subscriber
    held at an earlier month end from its start and end dates. -#}
{{ config(partition_by=['business_date']) }}

with

contracts as (

    select * from {{ ref('stg_crm__contracts') }}
    where business_date = {{ business_date() }}

),

final as (

    select
        -- ids
        contract_id,
        subscriber_id,
        -- numerics
        monthly_commitment_yuan,
        deposit_yuan,
        -- descriptions and codes
        contract_kind,
        contract_status,
        -- dates
        start_date,
        end_date,
        business_date

    from contracts

)

select * from final
