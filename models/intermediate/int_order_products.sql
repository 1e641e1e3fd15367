{{ config(
    materialized=incremental_or_table(),
    incremental_strategy='delete+insert',
    unique_key='invoice_id',
    on_schema_change='sync_all_columns',
    pre_hook="{{ forget_stale_history() }}",
    indexes=[
        {'columns': ['invoice_id', 'stock_code'], 'unique': True},
        {'columns': ['through_batch_id']},
        {'columns': ['customer_id']},
        {'columns': ['build_number']},
    ],
) }}
-- One row per order and product bought on it: the products of the glossary (no postage,
-- fees or adjustments) on the order's sale lines at a positive price, with whether the order
-- is placed and a purchase (`int_orders`), and whether it is a basket: a placed order of at
-- most var `affinity_max_order_products` different products (bigger orders are wholesale
-- restocks whose pairs say little about what goes together). What a customer bought
-- (`int_customer_products`) and which products go together (`int_product_pairs`, baskets)
-- are counted from here.
-- Incremental by invoice, like `int_orders`: a run computes again, from all their lines, the
-- orders `int_orders` computed again since, and keeps the others. Every order is kept, placed
-- or not, so an order's rows are always replaced whole: its lines only ever grow, and a
-- removed batch or a changed definition starts the model again (pre-hook forget_stale_history).
-- Its key is a unique index: the database refuses a repeated order product (so its key test
-- reads nothing, macros/enforced_keys.sql); led by the invoice, it can also serve the
-- lookup of the orders a run replaces.
with

orders as (
    select * from {{ ref('int_orders') }}
    {% if is_incremental() -%}
        where through_batch_id > {{ held_batch_number() }}
    {%- endif %}
),

lines as (
    select * from {{ ref('int_invoice_lines_deduplicated') }}
    where
        is_priced_sale and is_product
        {% if is_incremental() -%}
            and invoice_id in (select orders.invoice_id from orders)
        {%- endif %}
),

order_products as (
    select
        lines.invoice_id,
        lines.stock_code,
        orders.customer_id,
        orders.is_placed,
        orders.is_purchase,
        orders.order_month,
        cast(sum(lines.quantity) as {{ dbt.type_int() }}) as quantity,
        cast(sum(lines.line_amount) as {{ type_money() }}) as amount,
        {{ bookkeeping_columns('orders') }}
    from lines
    inner join orders on lines.invoice_id = orders.invoice_id
    group by
        lines.invoice_id, lines.stock_code, orders.customer_id, orders.is_placed, orders.is_purchase,
        orders.order_month, orders.through_batch_id, orders.live_batch_count
),

final as (
    select
        invoice_id,
        stock_code,
        customer_id,
        is_placed,
        is_purchase,
        -- An order's rows are computed together, so its product count is whole here.
        is_placed and count(*) over (partition by invoice_id) <= {{ var('affinity_max_order_products') }} as is_basket,
        order_month,
        quantity,
        amount,
        through_batch_id,
        live_batch_count,
        definitions_hash,
        build_number
    from order_products
)

select * from final
