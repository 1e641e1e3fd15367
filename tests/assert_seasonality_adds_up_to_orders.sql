-- Seasonality accounts for every order: over all weeks, days and hours, orders, orders
-- placed and net sales equal `fct_orders`. Returns the totals when any differs.
with

seasons as (
    select
        sum(orders) as orders,
        sum(orders_placed) as orders_placed,
        sum(net_sales) as net_sales
    from {{ ref('sales_seasonality') }}
),

orders as (
    select
        count(*) as orders,
        count(case when is_placed then 1 end) as orders_placed,
        sum(net_amount) as net_sales
    from {{ ref('fct_orders') }}
)

select
    seasons.orders as season_orders,
    orders.orders
from seasons
cross join orders
where
    seasons.orders <> orders.orders
    or seasons.orders_placed <> orders.orders_placed
    or seasons.net_sales <> orders.net_sales
