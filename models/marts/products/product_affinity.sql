-- One row per unordered pair of products bought on the same basket: a placed order of at
-- most var `affinity_max_order_products` different products (bigger orders are wholesale
-- restocks whose pairs say little about what goes together, and would dominate the count).
-- Pairs on fewer than var `affinity_min_orders` baskets are left out. Support is the share
-- of baskets with both; confidence the share of one product's baskets that also hold the
-- other, each way; lift how much more often they go together than if bought independently.
with

order_products as (
    select * from {{ ref('int_order_products') }}
    where is_placed
),

basket_sizes as (
    select
        invoice_id,
        count(*) as product_count
    from order_products
    group by invoice_id
),

basket_products as (
    select
        order_products.invoice_id,
        order_products.stock_code
    from order_products
    inner join basket_sizes on order_products.invoice_id = basket_sizes.invoice_id
    where basket_sizes.product_count <= {{ var('affinity_max_order_products') }}
),

basket_count as (
    select count(distinct invoice_id) as baskets from basket_products
),

product_baskets as (
    select
        stock_code,
        count(*) as baskets
    from basket_products
    group by stock_code
),

frequent_products as (
    -- A pair can only reach the minimum if each of its products does.
    select basket_products.*
    from basket_products
    inner join product_baskets on basket_products.stock_code = product_baskets.stock_code
    where product_baskets.baskets >= {{ var('affinity_min_orders') }}
),

pairs as (
    select
        product_a.stock_code as stock_code_a,
        product_b.stock_code as stock_code_b,
        count(*) as orders_with_both
    from frequent_products as product_a
    inner join frequent_products as product_b
        on
            product_a.invoice_id = product_b.invoice_id
            and product_a.stock_code < product_b.stock_code
    group by product_a.stock_code, product_b.stock_code
    having count(*) >= {{ var('affinity_min_orders') }}
),

final as (
    select
        pairs.stock_code_a,
        pairs.stock_code_b,
        cast(pairs.orders_with_both as {{ dbt.type_int() }}) as orders_with_both,
        cast(baskets_a.baskets as {{ dbt.type_int() }}) as orders_with_a,
        cast(baskets_b.baskets as {{ dbt.type_int() }}) as orders_with_b,
        cast(basket_count.baskets as {{ dbt.type_int() }}) as baskets,
        cast(pairs.orders_with_both as {{ dbt.type_float() }}) / basket_count.baskets as support,  -- noqa: RF04
        cast(pairs.orders_with_both as {{ dbt.type_float() }}) / baskets_a.baskets as confidence_a_to_b,
        cast(pairs.orders_with_both as {{ dbt.type_float() }}) / baskets_b.baskets as confidence_b_to_a,
        cast(pairs.orders_with_both as {{ dbt.type_float() }}) * basket_count.baskets
        / (cast(baskets_a.baskets as {{ dbt.type_float() }}) * baskets_b.baskets) as lift
    from pairs
    inner join product_baskets as baskets_a on pairs.stock_code_a = baskets_a.stock_code
    inner join product_baskets as baskets_b on pairs.stock_code_b = baskets_b.stock_code
    cross join basket_count
)

select * from final
