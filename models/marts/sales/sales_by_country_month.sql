-- One row per country and month with an order: orders placed and cancelled, active
-- customers (the glossary's: an order of any type) and net sales, with the country's share
-- of the month's net sales. Summed over countries, orders and net sales equal
-- `monthly_kpis` (test assert_country_months_add_up_to_monthly_kpis).
with

orders as (
    select * from {{ ref('fct_orders') }}
),

per_country_month as (
    select
        order_month as month_start,
        coalesce(country, 'Unspecified') as country,
        count(case when is_placed then 1 end) as orders_placed,
        count(case when is_cancelled then 1 end) as orders_cancelled,
        count(distinct case when not is_guest then customer_id end) as active_customers,
        sum(net_amount) as net_sales
    from orders
    group by order_month, coalesce(country, 'Unspecified')
),

final as (
    select
        month_start,
        country,
        cast(orders_placed as {{ dbt.type_int() }}) as orders_placed,
        cast(orders_cancelled as {{ dbt.type_int() }}) as orders_cancelled,
        cast(active_customers as {{ dbt.type_int() }}) as active_customers,
        cast(net_sales as {{ type_money() }}) as net_sales,
        cast(net_sales as {{ dbt.type_float() }})
        / nullif(sum(net_sales) over (partition by month_start), 0) as share_of_month_net_sales
    from per_country_month
)

select * from final
