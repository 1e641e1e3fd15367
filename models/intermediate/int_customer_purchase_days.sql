-- One row per customer and day with a purchase, up to the reference date (carried along):
-- the day's purchase amounts. Lifetime-value models count repeat purchase days, not invoices (two
-- orders on one day are one purchase occasion), as pymc-marketing's rfm_summary does.
with

orders as (
    select * from {{ ref('int_orders') }}
    where is_purchase
),

reference_date as (
    select * from {{ ref('int_reference_date') }}
),

final as (
    select
        orders.customer_id,
        orders.invoice_date as purchase_date,
        cast(sum(orders.purchase_amount) as {{ type_money() }}) as purchase_amount,
        reference_date.rfm_as_of as reference_date
    from orders
    cross join reference_date
    where orders.invoice_date <= reference_date.rfm_as_of
    group by orders.customer_id, orders.invoice_date, reference_date.rfm_as_of
)

select * from final
