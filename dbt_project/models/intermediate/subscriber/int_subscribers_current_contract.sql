{#- The contract that governs each subscriber on the business date: the one ending last
    among the contracts in the CRM snapshot (active, renewed, or ended in the last year). -#}
with

contracts as (

    select * from {{ ref('stg_crm__contracts') }}
    where business_date = {{ business_date() }}

),

ranked as (

    select
        subscriber_id,
        contract_id,
        contract_kind,
        contract_status,
        start_date as contract_start_date,
        end_date as contract_end_date,
        monthly_commitment_yuan,
        row_number() over (
            partition by subscriber_id
            order by end_date desc, contract_id desc
        ) as recency_rank

    from contracts

),

final as (

    select
        subscriber_id,
        contract_id,
        contract_kind,
        contract_status,
        contract_start_date,
        contract_end_date,
        monthly_commitment_yuan

    from ranked
    where recency_rank = 1

)

select * from final
