{#- Value as BI last delivered it on or before the business date: the monthly value segment
    and whether the subscriber is on the year-end high-value list in force. -#}
with

value_segments as (

    {{ latest_partition_as_of(ref('stg_bi__value_segments')) }}

),

high_value_list as (

    select distinct listed.subscriber_id
    from ({{ latest_partition_as_of(ref('stg_bi__high_value_list_entries')) }}) as listed

),

final as (

    select
        value_segments.subscriber_id,
        value_segments.value_segment,
        value_segments.arpu_3m_yuan,
        value_segments.stat_month as value_stat_month,
        high_value_list.subscriber_id is not null as is_high_value_listed

    from value_segments
    left join high_value_list
        on value_segments.subscriber_id = high_value_list.subscriber_id

)

select * from final
