-- One row per identified customer and calendar month with an order: the month's placed
-- orders, purchases and amounts, and when the month's last purchase was made. Cohorts and
-- the RFM history read customers month by month from here; summed over all months it
-- equals `int_customers_summarised` (test assert_customer_months_add_up_to_customers).
with

orders as (
    select * from {{ ref('int_orders') }}
    where not is_guest
),

final as (
    select
        customer_id,
        order_month,
        cast(count(case when is_placed then 1 end) as {{ dbt.type_int() }}) as order_count,
        cast(count(case when is_purchase then 1 end) as {{ dbt.type_int() }}) as purchase_count,
        cast(coalesce(sum(purchase_amount), 0) as {{ type_money() }}) as purchase_amount,
        cast(sum(net_amount) as {{ type_money() }}) as net_amount,
        max(case when is_purchase then invoiced_at end) as last_purchase_at
    from orders
    group by customer_id, order_month
)

select * from final
