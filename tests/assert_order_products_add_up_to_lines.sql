-- Reconciliation: the orders' products (`int_order_products`, kept by invoice from one build
-- to the next) hold every priced sale line of a product, once: their quantity and amount add
-- up to those lines' totals. Returns the totals when they differ.
-- depends_on: {{ ref('customer_recommendations') }}
-- (Not read. `dbt build` holds a model's children until its tests pass: a test of
-- `int_order_products` alone would hold the pair counts, the affinity and the recommendations
-- for the two whole-table scans this check makes (4 s of a day at 10x). Ranked after the
-- recommendations, it runs at the end of the build, beside the affinity check, on a core that
-- is otherwise idle. It still gates the publish: a failure publishes nothing.)
with

lines as (
    select
        sum(quantity) as quantity,
        sum(line_amount) as amount
    from {{ ref('int_invoice_lines_deduplicated') }}
    where is_priced_sale and is_product
),

order_products as (
    select
        sum(quantity) as quantity,
        sum(amount) as amount
    from {{ ref('int_order_products') }}
)

select
    lines.quantity as line_quantity,
    order_products.quantity as order_product_quantity,
    lines.amount as line_amount,
    order_products.amount as order_product_amount
from lines
cross join order_products
where
    coalesce(lines.quantity, 0) <> coalesce(order_products.quantity, 0)
    or coalesce(lines.amount, 0) <> coalesce(order_products.amount, 0)
