-- One row per identified customer (any order with a customer number): the one roll-up of
-- orders to customers. First and last purchase, placed orders, purchases, cancellations,
-- amounts, the latest country, and the whole days from the last purchase to the reference
-- date. `dim_customers` and RFM both read these columns; neither recomputes them.
with

orders as (
    select * from {{ ref('int_orders') }}
    where not is_guest
),

reference_date as (
    select * from {{ ref('int_reference_date') }}
),

latest_country as (
    select
        customer_id,
        country,
        row_number() over (partition by customer_id order by invoiced_at desc, invoice_id desc) as recency_rank
    from orders
    where country is not null
),

per_customer as (
    select
        customer_id,
        min(invoiced_at) as first_seen_at,
        min(case when is_purchase then invoiced_at end) as first_purchase_at,
        max(case when is_purchase then invoiced_at end) as last_purchase_at,
        count(case when is_placed then 1 end) as order_count,
        count(case when is_purchase then 1 end) as purchase_count,
        count(case when is_cancelled then 1 end) as cancellation_count,
        sum(gross_amount) as gross_revenue,
        sum(cancelled_amount) as cancelled_revenue,
        sum(net_amount) as net_revenue,
        sum(purchase_amount) as purchase_revenue
    from orders
    group by customer_id
),

final as (
    select
        per_customer.customer_id,
        latest_country.country,
        per_customer.first_seen_at,
        per_customer.first_purchase_at,
        per_customer.last_purchase_at,
        cast(per_customer.order_count as {{ dbt.type_int() }}) as order_count,
        cast(per_customer.purchase_count as {{ dbt.type_int() }}) as purchase_count,
        cast(per_customer.cancellation_count as {{ dbt.type_int() }}) as cancellation_count,
        cast(per_customer.gross_revenue as {{ type_money() }}) as gross_revenue,
        cast(per_customer.cancelled_revenue as {{ type_money() }}) as cancelled_revenue,
        cast(per_customer.net_revenue as {{ type_money() }}) as net_revenue,
        cast(per_customer.purchase_revenue as {{ type_money() }}) as purchase_revenue,
        {{ elapsed_whole_days(
            'per_customer.last_purchase_at',
            'cast(reference_date.rfm_as_of as ' ~ dbt.type_timestamp() ~ ')'
        ) }} as days_since_last_purchase,
        reference_date.rfm_as_of
    from per_customer
    cross join reference_date
    left join latest_country
        on
            per_customer.customer_id = latest_country.customer_id
            and latest_country.recency_rank = 1
)

select * from final
