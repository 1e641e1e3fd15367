{{ config(
    materialized=incremental_or_table(),
    incremental_strategy='delete+insert',
    unique_key='customer_id',
    on_schema_change='sync_all_columns',
    pre_hook="{{ forget_stale_history() }}",
    post_hook="{% if is_incremental() %}delete from {{ this }} where customer_id in ("
        ~ "{{ held_customers_missing_from(ref('int_order_products'), 'is_purchase') }}){% endif %}",
    indexes=[{'columns': ['customer_id']}, {'columns': ['through_batch_id']}, {'columns': ['build_number']}],
) }}
-- depends_on: {{ ref('int_invoice_lines_deduplicated') }}
-- One row per customer and product they bought on a purchase: how many purchases had it,
-- the quantity, the spend and the product's rank by spend among the customer's (1 = the
-- most, ties to the lower stock code). Campaign lists take a customer's top products from
-- here, the recommendations start from them and leave every product here out.
-- Incremental by customer: a run computes again, from all their purchases, the customers of
-- the orders `int_order_products` computed again since the last run, and keeps the others.
-- Those customers are every customer on those orders' lines: an order's customer is one of
-- its lines' customers, so a late line that moves an order to another customer names the
-- customer it left as well as the one it joined. A customer left without any purchase loses
-- their rows (post-hook, macro held_customers_missing_from: alone at 10x faster than reading
-- every order product; inside a build, beside other models, no faster in the one run
-- measured). Like the
-- models it reads, it starts again from nothing (pre-hook forget_stale_history) when the
-- definitions change or a batch it was built from is removed.
with

{% if is_incremental() -%}
    touched_orders as (
        -- The orders computed again since the last run.
        select distinct invoice_id
        from {{ ref('int_order_products') }}
        where through_batch_id > {{ held_batch_number() }}
    ),

    touched_customers as (
        select distinct customer_id
        from {{ ref('int_invoice_lines_deduplicated') }}
        where
            invoice_id in (select touched_orders.invoice_id from touched_orders)
            and customer_id is not null
    ),
{%- endif %}

order_products as (
    select * from {{ ref('int_order_products') }}
    where
        is_purchase
        {% if is_incremental() -%}
            and customer_id in (select touched_customers.customer_id from touched_customers)
        {%- endif %}
),

batches as (
    -- What the rows are computed from: the order products' latest bookkeeping.
    {{ latest_bookkeeping(ref('int_order_products')) }}
),

per_product as (
    select
        customer_id,
        stock_code,
        count(*) as purchase_count,
        sum(quantity) as quantity,
        sum(amount) as spend
    from order_products
    group by customer_id, stock_code
),

final as (
    select
        per_product.customer_id,
        per_product.stock_code,
        cast(per_product.purchase_count as {{ dbt.type_int() }}) as purchase_count,
        cast(per_product.quantity as {{ dbt.type_int() }}) as quantity,
        cast(per_product.spend as {{ type_money() }}) as spend,
        -- A customer's rows are computed together, so the rank is over all their products.
        cast(row_number() over (
            partition by per_product.customer_id order by per_product.spend desc, per_product.stock_code asc
        ) as {{ dbt.type_int() }}) as spend_rank,
        {{ bookkeeping_columns('batches') }}
    from per_product
    cross join batches
)

select * from final
