-- `monthly_kpis` adds up to the order grain month by month: placed and cancelled orders,
-- net sales and active customers counted straight from `fct_orders`, new customers from
-- `dim_customers`' first orders. Returns each month and figure that differ.
with

from_orders as (
    select
        order_month as month_start,
        count(case when is_placed then 1 end) as orders_placed,
        count(case when is_cancelled then 1 end) as orders_cancelled,
        sum(net_amount) as net_sales,
        count(distinct case when not is_guest then customer_id end) as active_customers
    from {{ ref('fct_orders') }}
    group by order_month
),

from_customers as (
    select
        cast({{ dbt.date_trunc('month', 'first_seen_at') }} as date) as month_start,
        count(*) as new_customers
    from {{ ref('dim_customers') }}
    group by {{ dbt.date_trunc('month', 'first_seen_at') }}
),

kpis as (
    select * from {{ ref('monthly_kpis') }}
)

select
    kpis.month_start,
    kpis.orders_placed,
    from_orders.orders_placed as orders_placed_in_fct_orders,
    kpis.new_customers,
    from_customers.new_customers as new_customers_in_dim_customers
from kpis
left join from_orders
    on kpis.month_start = from_orders.month_start
left join from_customers
    on kpis.month_start = from_customers.month_start
where
    kpis.orders_placed <> coalesce(from_orders.orders_placed, 0)
    or kpis.orders_cancelled <> coalesce(from_orders.orders_cancelled, 0)
    or kpis.net_sales <> coalesce(from_orders.net_sales, 0)
    or kpis.active_customers <> coalesce(from_orders.active_customers, 0)
    or kpis.new_customers <> coalesce(from_customers.new_customers, 0)
