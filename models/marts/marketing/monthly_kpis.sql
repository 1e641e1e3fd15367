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
    -- Only the columns the KPIs need: this is read twice, so it is kept narrow.
    select
        cast({{ dbt.date_trunc('month', 'invoice_date') }} as date) as month_start,
        invoice_id,
        customer_id,
        line_type,
        is_sale,
        is_cancellation,
        line_amount
    from invoice_lines
),

per_invoice as (
    -- One row per month and invoice (counting these is cheaper than count(distinct)).
    select
        month_start,
        invoice_id,
        bool_or(line_type not in ('cancellation', 'adjustment')) as is_placed,
        bool_or(is_cancellation) as has_cancellation,
        sum(case when is_sale then line_amount else 0 end) as gross_sales,
        sum(case when is_cancellation then line_amount else 0 end) as cancelled_sales,
        sum(line_amount) as net_sales
    from lines_by_month
    group by month_start, invoice_id
),

customer_months as (
    -- One row per identified customer and month with any line.
    select
        month_start,
        customer_id
    from lines_by_month
    where customer_id is not null
    group by month_start, customer_id
),

first_month_per_customer as (
    select
        customer_id,
        min(month_start) as first_month
    from customer_months
    group by customer_id
),

active_per_month as (
    select
        month_start,
        count(*) as active_customers
    from customer_months
    group by month_start
),

per_month as (
    select
        month_start,
        count(case when is_placed then 1 end) as orders_placed,
        count(case when has_cancellation then 1 end) as orders_cancelled,
        sum(gross_sales) as gross_sales,
        sum(cancelled_sales) as cancelled_sales,
        sum(net_sales) as net_sales
    from per_invoice
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
        coalesce(active_per_month.active_customers, 0) as active_customers,
        coalesce(new_per_month.new_customers, 0) as new_customers
    from months
    left join per_month
        on months.month_start = per_month.month_start
    left join active_per_month
        on months.month_start = active_per_month.month_start
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
