-- The monthly roll-up of customers adds up to the all-time one: per customer, placed
-- orders, purchases, purchase amounts and net amounts summed over months, and the latest
-- monthly last purchase, equal `int_customers_summarised`. Returns each customer that differs.
with

from_months as (
    select
        customer_id,
        sum(order_count) as order_count,
        sum(purchase_count) as purchase_count,
        sum(purchase_amount) as purchase_amount,
        sum(net_amount) as net_amount,
        max(last_purchase_at) as last_purchase_at
    from {{ ref('int_customer_months') }}
    group by customer_id
),

customers as (
    select * from {{ ref('int_customers_summarised') }}
)

select
    customers.customer_id,
    from_months.customer_id as months_customer_id
from customers
full outer join from_months on customers.customer_id = from_months.customer_id
where
    customers.customer_id is null
    or from_months.customer_id is null
    or customers.order_count <> from_months.order_count
    or customers.purchase_count <> from_months.purchase_count
    or coalesce(customers.purchase_revenue, 0) <> from_months.purchase_amount
    or customers.net_revenue <> from_months.net_amount
    or coalesce(customers.last_purchase_at, cast('1900-01-01' as {{ dbt.type_timestamp() }}))
    <> coalesce(from_months.last_purchase_at, cast('1900-01-01' as {{ dbt.type_timestamp() }}))
