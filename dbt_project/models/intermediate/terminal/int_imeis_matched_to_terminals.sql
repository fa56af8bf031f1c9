with

subscriber_imeis as (

    select * from {{ ref('stg_dm__subscriber_imeis') }}
    where business_date = {{ business_date() }}

),

terminals as (

    select * from {{ ref('stg_dm__terminals') }}
    where business_date = {{ business_date() }}

),

final as (

    select
        subscriber_imeis.subscriber_id,
        subscriber_imeis.imei,
        substr(subscriber_imeis.imei, 1, 8) as tac,
        terminals.tac is not null as is_tac_matched

    from subscriber_imeis
    left join terminals
        on substr(subscriber_imeis.imei, 1, 8) = terminals.tac

)

select * from final
