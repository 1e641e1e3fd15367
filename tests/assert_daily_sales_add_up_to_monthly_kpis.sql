-- The forecast's input accounts for every order: per month, the days' orders placed and
-- net sales equal `monthly_kpis`. Returns each month that differs.
with

days as (
    select
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start,
        sum(orders_placed) as orders_placed,
        sum(net_sales) as net_sales
    from {{ ref('daily_sales') }}
    group by {{ dbt.date_trunc('month', 'date_day') }}
),

kpis as (
    select * from {{ ref('monthly_kpis') }}
)

select
    kpis.month_start,
    days.month_start as days_month
from kpis
full outer join days on kpis.month_start = days.month_start
where
    kpis.month_start is null
    or days.month_start is null
    or kpis.orders_placed <> days.orders_placed
    or kpis.net_sales <> days.net_sales
