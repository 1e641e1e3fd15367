-- One row per cohort (the month of a customer's first purchase) and month since then: how
-- many of the cohort's customers made a purchase in that month, the retention rate and the
-- cohort's purchase amounts, running total per customer. Every month from the cohort's own
-- to the last month of the data has a row, also when nobody of the cohort bought.
with

customers as (
    select * from {{ ref('int_customers_summarised') }}
    where first_purchase_at is not null
),

customer_months as (
    select * from {{ ref('int_customer_months') }}
    where purchase_count > 0
),

cohorts as (
    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'first_purchase_at') }} as date) as cohort_month
    from customers
),

cohort_sizes as (
    select
        cohort_month,
        count(*) as cohort_customers
    from cohorts
    group by cohort_month
),

months as (
    -- Every calendar month of the data, from the calendar.
    select distinct month_start from {{ ref('dim_dates') }}
),

cohort_grid as (
    select
        cohort_sizes.cohort_month,
        months.month_start as activity_month,
        cohort_sizes.cohort_customers
    from cohort_sizes
    inner join months on cohort_sizes.cohort_month <= months.month_start
),

activity as (
    select
        cohorts.cohort_month,
        customer_months.order_month as activity_month,
        count(*) as active_customers,
        sum(customer_months.purchase_count) as purchases,
        sum(customer_months.purchase_amount) as net_sales
    from customer_months
    inner join cohorts on customer_months.customer_id = cohorts.customer_id
    group by cohorts.cohort_month, customer_months.order_month
),

combined as (
    select
        cohort_grid.cohort_month,
        cohort_grid.activity_month,
        cohort_grid.cohort_customers,
        coalesce(activity.active_customers, 0) as active_customers,
        coalesce(activity.purchases, 0) as purchases,
        coalesce(activity.net_sales, 0) as net_sales
    from cohort_grid
    left join activity
        on
            cohort_grid.cohort_month = activity.cohort_month
            and cohort_grid.activity_month = activity.activity_month
),

final as (
    select
        cohort_month,
        cast(
            {{ dbt.datediff('cohort_month', 'activity_month', 'month') }}  -- noqa: LT05
            as {{ dbt.type_int() }}
        ) as months_since_first_purchase,
        activity_month,
        cast(cohort_customers as {{ dbt.type_int() }}) as cohort_customers,
        cast(active_customers as {{ dbt.type_int() }}) as active_customers,
        cast(active_customers as {{ dbt.type_float() }}) / cohort_customers as retention_rate,
        cast(purchases as {{ dbt.type_int() }}) as purchases,
        cast(net_sales as {{ type_money() }}) as net_sales,
        cast(
            sum(net_sales) over (partition by cohort_month order by activity_month rows unbounded preceding)
            / cohort_customers as {{ type_money() }}
        ) as cumulative_net_sales_per_customer
    from combined
)

select * from final
