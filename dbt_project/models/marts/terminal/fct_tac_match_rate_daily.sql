{#- How many of the day's IMEIs the terminal library recognises by TAC. Matching is never
    complete (Shanghai reports 94.7%); the unmatched TACs are in fct_unmatched_tacs_daily. -#}
{{ config(partition_by=['business_date']) }}

with

imeis as (

    select * from {{ ref('int_imeis_matched_to_terminals') }}

),

final as (

    select
        count(distinct imei) as imeis_seen,
        count(distinct case when is_tac_matched then imei end) as imeis_matched,
        count(distinct case when is_tac_matched then imei end)
        / nullif(count(distinct imei), 0) as tac_match_rate,
        count(distinct case when not is_tac_matched then tac end) as unmatched_tacs,
        {{ business_date() }} as business_date

    from imeis

)

select * from final
