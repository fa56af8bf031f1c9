{#- Each subscriber's latest handset seen within the look-back window, described by the
    terminal library of the business date (unmatched TACs keep the TAC, without capability). -#}
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

latest as (

    select
        subscriber_id,
        max_by(tac, business_date) as tac,
        max(business_date) as handset_seen_date

    from handsets
    group by subscriber_id

),

final as (

    select
        latest.subscriber_id,
        latest.tac,
        latest.handset_seen_date,
        terminals.tac is not null as is_terminal_matched,
        terminals.brand as terminal_brand,
        terminals.model as terminal_model,
        terminals.max_generation as terminal_max_generation,
        terminals.max_generation_rank as terminal_max_generation_rank,
        terminals.os_family as terminal_os_family,
        terminals.price_band as terminal_price_band,
        terminals.supports_volte as terminal_supports_volte

    from latest
    left join terminals
        on latest.tac = terminals.tac

)

select * from final
