-- One row per calendar month of invoice date: the notebook's marketing KPIs, counted from
-- the glossary's definitions in `int_orders` (placed, cancelled, amounts) and
-- `int_customers_summarised` (a customer's first order). A month the data covers only in
-- part (`int_reference_date`'s first and last invoice dates) is marked, and has no growth
-- figure, nor has the month after it.
with

months as (
    select distinct month_start from {{ ref('dim_dates') }}
),

orders as (
    select * from {{ ref('int_orders') }}
),

customers as (
    select * from {{ ref('int_customers_summarised') }}
),

reference_date as (
    select * from {{ ref('int_reference_date') }}
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
        coalesce(per_month.orders_placed, 0) as orders_placed,
        coalesce(per_month.orders_cancelled, 0) as orders_cancelled,
        coalesce(per_month.gross_sales, 0) as gross_sales,
        coalesce(per_month.cancelled_sales, 0) as cancelled_sales,
        coalesce(per_month.net_sales, 0) as net_sales,
        coalesce(per_month.active_customers, 0) as active_customers,
        coalesce(new_per_month.new_customers, 0) as new_customers,
        (
            months.month_start < reference_date.first_invoice_date
            or {{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'months.month_start')) }}
            > reference_date.last_invoice_date
        ) as is_partial_month
    from months
    cross join reference_date
    left join per_month
        on months.month_start = per_month.month_start
    left join new_per_month
        on months.month_start = new_per_month.month_start
),

final as (
    select
        month_start,
        cast(orders_placed as {{ dbt.type_int() }}) as orders_placed,
        cast(orders_cancelled as {{ dbt.type_int() }}) as orders_cancelled,
        cast(gross_sales as {{ type_money() }}) as gross_sales,
        cast(cancelled_sales as {{ type_money() }}) as cancelled_sales,
        cast(net_sales as {{ type_money() }}) as net_sales,
        cast(
            case
                when not is_partial_month and not lag(is_partial_month) over (order by month_start)
                    then round(
                        100.0 * (net_sales - lag(net_sales) over (order by month_start))
                        / nullif(lag(net_sales) over (order by month_start), 0),
                        2
                    )
            end as {{ type_ratio() }}
        ) as net_sales_growth_pct,
        cast(active_customers as {{ dbt.type_int() }}) as active_customers,
        cast(new_customers as {{ dbt.type_int() }}) as new_customers,
        cast(active_customers - new_customers as {{ dbt.type_int() }}) as returning_customers,
        is_partial_month
    from combined
)

select * from final
