{{ config(partition_by=['business_date']) }}

with

terminals as (

    select * from {{ ref('stg_dm__terminals') }}
    where business_date = {{ business_date() }}

),

final as (

    select
        -- ids
        tac,
        -- descriptions and codes
        brand,
        model,
        max_generation,
        os_family,
        price_band,
        -- numerics
        {{ generation_rank('max_generation') }} as max_generation_rank,
        -- booleans
        supports_volte,
        {{ generation_rank('max_generation') }} >= 4 as supports_4g,
        {{ generation_rank('max_generation') }} >= 5 as supports_5g,
        -- partition
        business_date

    from terminals

)

select * from final
