{#- A handset change is a day whose handset (IMEI) differs from the subscriber's previous
    handset seen within the look-back window. -#}
{{ config(partition_by=['business_date']) }}

with

handsets as (

    select * from {{ ref('fct_subscriber_handset_daily') }}
    where
        business_date between date_sub({{ business_date() }}, {{ var('handset_lookback_days') }})
        and {{ business_date() }}

),

terminals as (

    select * from {{ ref('dim_terminal') }}
    where business_date = {{ business_date() }}

),

current_handsets as (

    select * from handsets
    where business_date = {{ business_date() }}

),

previous_handsets as (

    select
        subscriber_id,
        max_by(imei, business_date) as previous_imei,
        max_by(tac, business_date) as previous_tac,
        max(business_date) as previous_seen_date

    from handsets
    where business_date < {{ business_date() }}
    group by subscriber_id

),

changes as (

    select
        current_handsets.subscriber_id,
        previous_handsets.previous_tac,
        current_handsets.tac as current_tac,
        previous_handsets.previous_seen_date,
        current_handsets.business_date

    from current_handsets
    inner join previous_handsets
        on current_handsets.subscriber_id = previous_handsets.subscriber_id
    where current_handsets.imei != previous_handsets.previous_imei

),

final as (

    select
        -- ids
        changes.subscriber_id,
        changes.previous_tac,
        changes.current_tac,
        -- descriptions and codes
        previous_terminals.max_generation as previous_max_generation,
        current_terminals.max_generation as current_max_generation,
        -- booleans
        changes.previous_tac = changes.current_tac as is_same_model,
        coalesce(
            current_terminals.max_generation_rank > previous_terminals.max_generation_rank, false
        ) as is_generation_upgrade,
        -- dates
        changes.previous_seen_date,
        changes.business_date

    from changes
    left join terminals as previous_terminals
        on changes.previous_tac = previous_terminals.tac
    left join terminals as current_terminals
        on changes.current_tac = current_terminals.tac

)

select * from final
