-- One row per calendar month of invoice date: the notebook's marketing KPIs, counted from
-- the glossary's definitions in `int_orders` (placed, cancelled, amounts) and
-- `int_customers_summarised` (a customer's first order). A month the data covers only in
-- part (the calendar `dim_dates` starts after its first day or ends before its last) is
-- marked, and has no growth figure, nor has the month after it.
with

months as (
    select
        month_start,
        (
            min(date_day) > month_start
            or max(date_day) < {{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'month_start')) }}
        ) as is_partial_month
    from {{ ref('dim_dates') }}
    group by month_start
),

orders as (
    select * from {{ ref('int_orders') }}
),

customers as (
    select * from {{ ref('int_customers_summarised') }}
),

per_month as (
    select
        order_month as month_start,
        count(case when is_placed then 1 end) as orders_placed,
        count(case when is_cancelled then 1 end) as orders_cancelled,
        sum(gross_amount) as gross_sales,
        sum(cancelled_amount) as cancelled_sales,
        sum(net_amount) as net_sales,
        count(distinct customer_id) as active_customers
    from orders
    group by order_month
),

new_per_month as (
    select
        cast({{ dbt.date_trunc('month', 'first_seen_at') }} as date) as month_start,
        count(*) as new_customers
    from customers
    group by {{ dbt.date_trunc('month', 'first_seen_at') }}
),

combined as (
    select
        months.month_start,
        months.is_partial_month,
        coalesce(per_month.orders_placed, 0) as orders_placed,
        coalesce(per_month.orders_cancelled, 0) as orders_cancelled,
        coalesce(per_month.gross_sales, 0) as gross_sales,
        coalesce(per_month.cancelled_sales, 0) as cancelled_sales,
        coalesce(per_month.net_sales, 0) as net_sales,
        coalesce(per_month.active_customers, 0) as active_customers,
        coalesce(new_per_month.new_customers, 0) as new_customers
    from months
    left join per_month
        on months.month_start = per_month.month_start
    left join new_per_month
        on months.month_start = new_per_month.month_start
),

with_previous as (
    select
        *,
        lag(net_sales) over (order by month_start) as previous_net_sales,
        lag(is_partial_month) over (order by month_start) as previous_is_partial_month
    from combined
),

final as (
    select
        month_start,
        is_partial_month,
        cast(orders_placed as {{ dbt.type_int() }}) as orders_placed,
        cast(orders_cancelled as {{ dbt.type_int() }}) as orders_cancelled,
        cast(gross_sales as {{ type_money() }}) as gross_sales,
        cast(cancelled_sales as {{ type_money() }}) as cancelled_sales,
        cast(net_sales as {{ type_money() }}) as net_sales,
        cast(
            case
                when not is_partial_month and not previous_is_partial_month
                    then {{ rounded('100.0 * (net_sales - previous_net_sales) / nullif(previous_net_sales, 0)', 2) }}
            end as {{ type_ratio() }}
        ) as net_sales_growth_pct,
        cast(active_customers as {{ dbt.type_int() }}) as active_customers,
        cast(new_customers as {{ dbt.type_int() }}) as new_customers,
        cast(active_customers - new_customers as {{ dbt.type_int() }}) as returning_customers
    from with_previous
)

select * from final
