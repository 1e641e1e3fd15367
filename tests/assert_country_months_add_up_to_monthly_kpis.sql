-- Markets add up to the month: over the countries of each month, orders placed and
-- cancelled and net sales equal `monthly_kpis`, the shares sum to 1, and no country has
-- more active customers than the month. Returns each month that differs.
with

countries as (
    select
        month_start,
        sum(orders_placed) as orders_placed,
        sum(orders_cancelled) as orders_cancelled,
        sum(net_sales) as net_sales,
        sum(share_of_month_net_sales) as share_total,
        max(active_customers) as most_active_customers
    from {{ ref('sales_by_country_month') }}
    group by month_start
),

kpis as (
    select * from {{ ref('monthly_kpis') }}
),

compared as (
    select
        kpis.month_start as kpi_month,
        countries.month_start as country_month,
        -- A month without any order has no country row, and must have nothing to add up.
        countries.month_start is null and (kpis.orders_placed + kpis.orders_cancelled > 0 or kpis.net_sales <> 0)
        or kpis.orders_placed <> countries.orders_placed
        or kpis.orders_cancelled <> countries.orders_cancelled
        or kpis.net_sales <> countries.net_sales
        or abs(countries.share_total - 1) > 1e-9
        or countries.most_active_customers > kpis.active_customers as differs
    from kpis
    full outer join countries on kpis.month_start = countries.month_start
)

select
    kpi_month,
    country_month
from compared
where kpi_month is null or differs
