{#- Analysed as soon as it is built (PostgreSQL): without statistics the planner misjudges the
    sampled pairs of `assert_product_affinity_matches_a_direct_count` and joins the sampled
    products' basket rows by sorting them (17 s against 9 at 10x, the end of a day's build). -#}
{{ config(post_hook=['analyze {{ this }}'] if target.type == 'postgres' else []) }}
-- One row per unordered pair of products bought on the same basket (a placed order of at
-- most var `affinity_max_order_products` different products: `int_order_products.is_basket`),
-- from the pair counts of `int_product_pairs`. Pairs on fewer than var `affinity_min_orders`
-- baskets are left out. Support is the share of baskets with both; confidence the share of
-- one product's baskets that also hold the other, each way; lift how much more often they go
-- together than if bought independently.
with

pairs as (
    -- Read apart from the products' own rows below, not from one shared step: a step read
    -- twice is stored whole (six million rows at 10x: 3.5 s against 2.1 for the model).
    select
        stock_code_a,
        stock_code_b,
        orders_with_both
    from {{ ref('int_product_pairs') }}
    where stock_code_a < stock_code_b and orders_with_both >= {{ var('affinity_min_orders') }}
),

product_baskets as (
    -- A product paired with itself: the baskets holding it.
    select
        stock_code_a as stock_code,
        orders_with_both as baskets
    from {{ ref('int_product_pairs') }}
    where stock_code_a = stock_code_b
),

baskets as (
    -- Grouped rather than count(distinct ...), which sorts every row (3.5 s of 6 at 10x).
    select invoice_id
    from {{ ref('int_order_products') }}
    where is_basket
    group by invoice_id
),

basket_count as (
    select count(*) as baskets from baskets
),

final as (
    select
        pairs.stock_code_a,
        pairs.stock_code_b,
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
    inner join product_baskets as product_a on pairs.stock_code_a = product_a.stock_code
    inner join product_baskets as product_b on pairs.stock_code_b = product_b.stock_code
    cross join basket_count
)

select * from final
