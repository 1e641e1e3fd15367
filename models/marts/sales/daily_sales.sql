-- One row per calendar day of the data, also days without an order (a closed Saturday, the
-- Christmas break): orders placed and net sales. The sales forecast is fitted on it.
with

days as (
    select * from {{ ref('dim_dates') }}
),

orders as (
    select * from {{ ref('int_orders') }}
),

per_day as (
    select
        invoice_date,
        count(case when is_placed then 1 end) as orders_placed,
        sum(net_amount) as net_sales
    from orders
    group by invoice_date
),

final as (
    select
        days.date_day,
        days.iso_day_of_week,
        cast(coalesce(per_day.orders_placed, 0) as {{ dbt.type_int() }}) as orders_placed,
        cast(coalesce(per_day.net_sales, 0) as {{ type_money() }}) as net_sales
    from days
    left join per_day on days.date_day = per_day.invoice_date
)

select * from final
