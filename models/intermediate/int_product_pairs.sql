{{ config(
    materialized=incremental_or_table(),
    incremental_strategy='delete+insert',
    unique_key=['stock_code_a', 'stock_code_b'],
    on_schema_change='sync_all_columns',
    pre_hook=["{{ forget_stale_history() }}", "{{ forget_if_counted_orders_grew() }}"],
    indexes=[
        {'columns': ['stock_code_a', 'stock_code_b'], 'unique': True},
        {'columns': ['through_batch_id']},
        {'columns': ['build_number']},
    ],
) }}
-- depends_on: {{ ref('int_invoice_lines_deduplicated') }}
-- One row per pair of products on the same basket (`int_order_products.is_basket`), the
-- lower stock code first, with the baskets holding both; where the two codes are the same,
-- the baskets holding that product. `product_affinity` keeps the frequent pairs.
-- Incremental by addition: a run counts the pairs of the baskets computed since the last run
-- and adds them to the counts held. That holds because an order counted before never
-- changes, unless lines arrive for it later: then (pre-hook forget_if_counted_orders_grew),
-- as when the definitions change or a batch is removed (forget_stale_history), the model
-- starts again from nothing and counts every basket.
with

basket_products as (
    select
        invoice_id,
        stock_code
    from {{ ref('int_order_products') }}
    where
        is_basket
        {% if is_incremental() -%}
            and through_batch_id > {{ held_through_batch() }}
        {%- endif %}
),

counted as (
    select
        product_a.stock_code as stock_code_a,
        product_b.stock_code as stock_code_b,
        count(*) as orders_with_both
    from basket_products as product_a
    inner join basket_products as product_b
        on
            product_a.invoice_id = product_b.invoice_id
            and product_a.stock_code <= product_b.stock_code
    group by product_a.stock_code, product_b.stock_code
),

batches as (
    -- What the counts are computed from: the order products' latest bookkeeping.
    {{ latest_bookkeeping(ref('int_order_products')) }}
),

final as (
    select
        counted.stock_code_a,
        counted.stock_code_b,
        {% if is_incremental() -%}
            -- Looked up pair by pair (by the unique index) rather than joined: the planner
            -- cannot tell how few pairs a day brings, and would read every pair held.
            cast(counted.orders_with_both + coalesce((
                select held.orders_with_both
                from {{ this }} as held
                where held.stock_code_a = counted.stock_code_a and held.stock_code_b = counted.stock_code_b
            ), 0) as {{ dbt.type_int() }})
        {%- else -%}
            cast(counted.orders_with_both as {{ dbt.type_int() }})
        {%- endif %} as orders_with_both,
        {{ bookkeeping_columns('batches') }}
    from counted
    cross join batches
)

select * from final
