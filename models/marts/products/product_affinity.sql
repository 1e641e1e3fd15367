-- One row per unordered pair of products bought on the same basket: a placed order of at
-- most var `affinity_max_order_products` different products (bigger orders are wholesale
-- restocks whose pairs say little about what goes together, and would dominate the count).
-- Pairs on fewer than var `affinity_min_orders` baskets are left out. Support is the share
-- of baskets with both; confidence the share of one product's baskets that also hold the
-- other, each way; lift how much more often they go together than if bought independently.
with

order_products as (
    select
        invoice_id,
        stock_code
    from {{ ref('int_order_products') }}
    where is_placed
),

sized_orders as (
    select
        invoice_id,
        stock_code,
        count(*) over (partition by invoice_id) as product_count
    from order_products
),

basket_products as (
    select
        invoice_id,
        stock_code
    from sized_orders
    where product_count <= {{ var('affinity_max_order_products') }}
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
    -- A pair can only reach the minimum if each of its products does. Numbered in stock-code
    -- order, so the pairs below are counted on two numbers rather than two codes (a tenth of
    -- the real data's baskets already make tens of millions of pairs to count).
    select
        stock_code,
        baskets,
        row_number() over (order by stock_code) as product_number
    from product_baskets
    where baskets >= {{ var('affinity_min_orders') }}
),

frequent_basket_products as (
    select
        basket_products.invoice_id,
        frequent_products.product_number
    from basket_products
    inner join frequent_products on basket_products.stock_code = frequent_products.stock_code
),

pairs as (
    select
        product_a.product_number as product_number_a,
        product_b.product_number as product_number_b,
        count(*) as orders_with_both
    from frequent_basket_products as product_a
    inner join frequent_basket_products as product_b
        on
            product_a.invoice_id = product_b.invoice_id
            and product_a.product_number < product_b.product_number
    group by product_a.product_number, product_b.product_number
    having count(*) >= {{ var('affinity_min_orders') }}
),

final as (
    select
        product_a.stock_code as stock_code_a,
        product_b.stock_code as stock_code_b,
        cast(pairs.orders_with_both as {{ dbt.type_int() }}) as orders_with_both,
        cast(product_a.baskets as {{ dbt.type_int() }}) as orders_with_a,
        cast(product_b.baskets as {{ dbt.type_int() }}) as orders_with_b,
        cast(basket_count.baskets as {{ dbt.type_int() }}) as baskets,
        cast(pairs.orders_with_both as {{ dbt.type_float() }}) / basket_count.baskets as support,  -- noqa: RF04
        cast(pairs.orders_with_both as {{ dbt.type_float() }}) / product_a.baskets as confidence_a_to_b,
        cast(pairs.orders_with_both as {{ dbt.type_float() }}) / product_b.baskets as confidence_b_to_a,
        cast(pairs.orders_with_both as {{ dbt.type_float() }}) * basket_count.baskets
        / (cast(product_a.baskets as {{ dbt.type_float() }}) * product_b.baskets) as lift
    from pairs
    inner join frequent_products as product_a on pairs.product_number_a = product_a.product_number
    inner join frequent_products as product_b on pairs.product_number_b = product_b.product_number
    cross join basket_count
)

select * from final
