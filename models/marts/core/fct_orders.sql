-- One row per invoice, as `int_orders` defines it: its type, whether it counts as placed,
-- cancelled or a purchase, who and where, and its amounts. Guests carry the unknown-customer key.
with

orders as (
    select * from {{ ref('int_orders') }}
),

final as (
    select
        invoice_id,
        invoice_date,
        invoiced_at,
        order_month,
        cast(coalesce(customer_id, {{ var('unknown_customer_id') }}) as {{ dbt.type_int() }}) as customer_id,
        is_guest,
        country,
        order_type,
        is_placed,
        is_cancelled,
        is_purchase,
        cast(line_count as {{ dbt.type_int() }}) as line_count,
        cast(item_count as {{ dbt.type_bigint() }}) as item_count,
        cast(gross_amount as {{ type_money() }}) as gross_amount,
        cast(cancelled_amount as {{ type_money() }}) as cancelled_amount,
        cast(net_amount as {{ type_money() }}) as net_amount,
        cast(purchase_amount as {{ type_money() }}) as purchase_amount
    from orders
)

select * from final
