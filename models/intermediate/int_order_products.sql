-- One row per placed order and product bought on it: the products of the glossary (no
-- postage, fees or adjustments) on the order's sale lines at a positive price. What a
-- customer bought (`int_customer_products`) and which products go together
-- (`product_affinity`) are counted from here.
with

orders as (
    select * from {{ ref('int_orders') }}
    where is_placed
),

lines as (
    select * from {{ ref('int_invoice_lines_deduplicated') }}
    where is_priced_sale and is_product
),

final as (
    select
        lines.invoice_id,
        lines.stock_code,
        orders.customer_id,
        orders.is_purchase,
        orders.order_month,
        cast(sum(lines.quantity) as {{ dbt.type_int() }}) as quantity,
        cast(sum(lines.line_amount) as {{ type_money() }}) as amount
    from lines
    inner join orders on lines.invoice_id = orders.invoice_id
    group by lines.invoice_id, lines.stock_code, orders.customer_id, orders.is_purchase, orders.order_month
)

select * from final
