{{ config(partition_by=['business_date']) }}

with

stores as (

    select * from {{ ref('stg_crm__stores') }}
    where business_date = {{ business_date() }}

),

final as (

    select
        store_id,
        store_name,
        city,
        district_name,
        channel_type,
        daily_capacity,
        business_date

    from stores

)

select * from final
