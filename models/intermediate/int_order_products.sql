{{ config(
    materialized=incremental_or_table(),
    incremental_strategy='delete+insert',
    unique_key='invoice_id',
    on_schema_change='sync_all_columns',
    pre_hook="{{ forget_stale_history() }}",
    indexes=[{'columns': ['build_number']}],
) }}
-- One row per order and product bought on it: the products of the glossary (no postage,
-- fees or adjustments) on the order's sale lines at a positive price, with whether the order
-- is placed and a purchase (`int_orders`). What a customer bought (`int_customer_products`)
-- and which products go together (`product_affinity`, placed orders) are counted from here.
-- Incremental by invoice, like `int_orders`: a run computes again, from all their lines, the
-- orders `int_orders` computed again since, and keeps the others. Every order is kept, placed
-- or not, so an order's rows are always replaced whole: its lines only ever grow, and a
-- removed batch or a changed definition starts the model again (pre-hook forget_stale_history).
with

orders as (
    select * from {{ ref('int_orders') }}
    {% if is_incremental() -%}
        where through_batch_id > {{ held_through_batch() }}
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

final as (
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
)

select * from final
