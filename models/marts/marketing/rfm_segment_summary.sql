-- Every segment of the playbook, including those with no customer today.
with

customers as (
    select * from {{ ref('rfm_segments') }}
),

playbook as (
    select * from {{ ref('rfm_segment_playbook') }}
),

totals as (
    select
        count(*) as all_customers,
        sum(monetary) as all_revenue
    from customers
),

per_segment as (
    select
        segment,
        count(*) as customers,
        sum(monetary) as revenue,
        avg(recency_days) as mean_recency_days,
        avg(frequency) as mean_frequency,
        avg(monetary) as mean_monetary
    from customers
    group by segment
),

final as (
    select
        playbook.segment,
        cast(playbook.segment_order as {{ dbt.type_int() }}) as segment_order,
        cast(coalesce(per_segment.customers, 0) as {{ dbt.type_int() }}) as customers,
        cast(
            {{ rounded('100.0 * coalesce(per_segment.customers, 0) / nullif(totals.all_customers, 0)', 2) }}
            as {{ type_ratio() }}
        ) as share_of_customers_pct,
        cast(coalesce(per_segment.revenue, 0) as {{ type_money() }}) as revenue,
        cast(
            {{ rounded('100.0 * coalesce(per_segment.revenue, 0) / nullif(totals.all_revenue, 0)', 2) }}
            as {{ type_ratio() }}
        ) as share_of_revenue_pct,
        cast({{ rounded('per_segment.mean_recency_days', 1) }} as {{ type_ratio() }}) as mean_recency_days,
        cast({{ rounded('per_segment.mean_frequency', 2) }} as {{ type_ratio() }}) as mean_frequency,
        cast({{ rounded('per_segment.mean_monetary', 2) }} as {{ type_money() }}) as mean_monetary,
        playbook.recommended_campaign
    from playbook
    cross join totals
    left join per_segment
        on playbook.segment = per_segment.segment
)

select * from final
