-- One row per calendar month of invoice date: the notebook's marketing KPIs, counted
-- directly (DESIGN: Business rules / Monthly KPIs).
with

invoice_lines as (
    select * from {{ ref('int_invoice_lines_deduplicated') }}
),

months as (
    select distinct month_start from {{ ref('dim_dates') }}
),

lines_by_month as (
    select
        cast({{ dbt.date_trunc('month', 'invoice_date') }} as date) as month_start,
        *
    from invoice_lines
),

first_month_per_customer as (
    select
        customer_id,
        min(month_start) as first_month
    from lines_by_month
    where not is_guest
    group by customer_id
),

per_month as (
    select
        month_start,
        count(distinct case when line_type not in ('cancellation', 'adjustment') then invoice_id end)
            as orders_placed,
        count(distinct case when is_cancellation then invoice_id end) as orders_cancelled,
        sum(case when is_sale then line_amount else 0 end) as gross_sales,
        sum(case when is_cancellation then line_amount else 0 end) as cancelled_sales,
        sum(line_amount) as net_sales,
        count(distinct customer_id) as active_customers
    from lines_by_month
    group by month_start
),

new_per_month as (
    select
        first_month as month_start,
        count(*) as new_customers
    from first_month_per_customer
    group by first_month
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
        coalesce(new_per_month.new_customers, 0) as new_customers
    from months
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
            round(
                100.0 * (net_sales - lag(net_sales) over (order by month_start))
                / nullif(lag(net_sales) over (order by month_start), 0),
                2
            ) as {{ type_ratio() }}
        ) as net_sales_growth_pct,
        cast(active_customers as {{ dbt.type_int() }}) as active_customers,
        cast(new_customers as {{ dbt.type_int() }}) as new_customers,
        cast(active_customers - new_customers as {{ dbt.type_int() }}) as returning_customers
    from combined
)

select * from final
