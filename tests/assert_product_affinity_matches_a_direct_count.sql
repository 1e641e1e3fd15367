-- Affinity counts agree with a count straight from the orders' products, for a sample of
-- pairs (the 20 most frequent and 200 more picked by a hash of the pair: a fixed number, so
-- the check grows with the data and not with the data times the pairs): baskets with both
-- products, with each, and all baskets, counted from `int_order_products` rows of placed
-- orders of at most var `affinity_max_order_products` products, without the pair counts the
-- mart is built from (`int_product_pairs`, added to day by day) or the rows' basket flag.
-- `assert_order_products_add_up_to_lines` ties those rows to the invoice lines.
-- Returns each sampled pair whose figures differ.
-- depends_on: {{ ref('customer_recommendations') }}
-- (Not read. `dbt build` holds a model's children until its tests pass, and this check is the
-- longest on `product_affinity`: ranked after the recommendations instead, it runs beside
-- them, on the other core, not before them. It still gates the publish: a failure publishes
-- nothing, and holds back `campaign_audience`, which reads the recommendations.)
with

baskets as (
    select invoice_id
    from {{ ref('int_order_products') }}
    where is_placed
    group by invoice_id
    having count(*) <= {{ var('affinity_max_order_products') }}
),

affinity as (
    select
        stock_code_a,
        stock_code_b,
        orders_with_both,
        orders_with_a,
        orders_with_b,
        baskets
    from {{ ref('product_affinity') }}
),

-- Two samples with a limit each, so the query planner knows the sample is small.
frequent_pairs as (
    select
        stock_code_a,
        stock_code_b
    from affinity
    order by orders_with_both desc, stock_code_a asc, stock_code_b asc
    limit 20
),

hashed_pairs as (
    select
        stock_code_a,
        stock_code_b
    from affinity
    order by {{ dbt.hash(dbt.concat(['stock_code_a', "'|'", 'stock_code_b'])) }}, stock_code_a, stock_code_b
    limit 200
),

sampled_pairs as (
    select * from frequent_pairs
    union
    select * from hashed_pairs
),

sampled as (
    select affinity.*
    from affinity
    inner join sampled_pairs
        on affinity.stock_code_a = sampled_pairs.stock_code_a and affinity.stock_code_b = sampled_pairs.stock_code_b
),

kept as (
    -- The sampled products' rows on baskets.
    select
        order_products.invoice_id,
        order_products.stock_code
    from {{ ref('int_order_products') }} as order_products
    inner join baskets on order_products.invoice_id = baskets.invoice_id
    where
        order_products.stock_code in (select sampled.stock_code_a from sampled)
        or order_products.stock_code in (select sampled.stock_code_b from sampled)
),

product_baskets as (
    select
        stock_code,
        count(*) as baskets
    from kept
    group by stock_code
),

pair_sides as (
    -- Each pair counted from its product on fewer baskets, looked up on the other's: the rows
    -- joined are those of the rarer product, not of a product on most baskets.
    select
        sampled.stock_code_a,
        sampled.stock_code_b,
        case when with_a.baskets <= with_b.baskets then sampled.stock_code_a else sampled.stock_code_b end as rarer,
        case when with_a.baskets <= with_b.baskets then sampled.stock_code_b else sampled.stock_code_a end as other
    from sampled
    inner join product_baskets as with_a on sampled.stock_code_a = with_a.stock_code
    inner join product_baskets as with_b on sampled.stock_code_b = with_b.stock_code
),

with_both as (
    select
        pair_sides.stock_code_a,
        pair_sides.stock_code_b,
        count(*) as orders_with_both
    from pair_sides
    inner join kept as kept_rarer on pair_sides.rarer = kept_rarer.stock_code
    inner join kept as kept_other
        on kept_rarer.invoice_id = kept_other.invoice_id and pair_sides.other = kept_other.stock_code
    group by pair_sides.stock_code_a, pair_sides.stock_code_b
),

all_baskets as (
    select count(*) as baskets from baskets
)

select
    sampled.stock_code_a,
    sampled.stock_code_b
from sampled
cross join all_baskets
left join product_baskets as with_a on sampled.stock_code_a = with_a.stock_code
left join product_baskets as with_b on sampled.stock_code_b = with_b.stock_code
left join with_both
    on sampled.stock_code_a = with_both.stock_code_a and sampled.stock_code_b = with_both.stock_code_b
where
    sampled.orders_with_both <> coalesce(with_both.orders_with_both, 0)
    or sampled.orders_with_a <> coalesce(with_a.baskets, 0)
    or sampled.orders_with_b <> coalesce(with_b.baskets, 0)
    or sampled.baskets <> all_baskets.baskets
