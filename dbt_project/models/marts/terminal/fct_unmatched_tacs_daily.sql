{{ config(partition_by=['business_date']) }}

with

imeis as (

    select * from {{ ref('int_imeis_matched_to_terminals') }}
    where not is_tac_matched

),

final as (

    select
        tac,
        count(distinct imei) as imeis_seen,
        count(distinct subscriber_id) as subscribers_seen,
        {{ business_date() }} as business_date

    from imeis
    group by tac

)

select * from final
