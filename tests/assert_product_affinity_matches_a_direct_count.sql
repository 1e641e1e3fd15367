-- Affinity counts agree with a count straight from the facts, for a sample of pairs (the
-- 20 most frequent and 200 more picked by a hash of the pair: a fixed number, so the check
-- grows with the data and not with the data times the pairs): baskets with both products,
-- with each, and all baskets, from `fct_sales` lines on placed `fct_orders`.
-- Returns each sampled pair whose figures differ.
with

baskets as (
    select
        sales.invoice_id,
        sales.stock_code
    from {{ ref('fct_sales') }} as sales
    inner join {{ ref('fct_orders') }} as orders on sales.invoice_id = orders.invoice_id
    where orders.is_placed and sales.is_product and sales.is_sale and sales.unit_price > 0
    group by sales.invoice_id, sales.stock_code
),

basket_sizes as (
    select invoice_id
    from baskets
    group by invoice_id
    having count(*) <= {{ var('affinity_max_order_products') }}
),

ranked_pairs as (
    select
        *,
        row_number() over (order by orders_with_both desc, stock_code_a asc, stock_code_b asc) as frequency_rank,
        row_number() over (
            order by {{ dbt.hash(dbt.concat(['stock_code_a', "'|'", 'stock_code_b'])) }}, stock_code_a, stock_code_b
        ) as hash_rank
    from {{ ref('product_affinity') }}
),

sampled as (
    select * from ranked_pairs
    where frequency_rank <= 20 or hash_rank <= 200
),

kept as (
    -- The sampled products' lines on baskets.
    select baskets.*
    from baskets
    inner join basket_sizes on baskets.invoice_id = basket_sizes.invoice_id
    where
        baskets.stock_code in (select sampled.stock_code_a from sampled)
        or baskets.stock_code in (select sampled.stock_code_b from sampled)
),

product_baskets as (
    select
        stock_code,
        count(*) as baskets
    from kept
    group by stock_code
),

with_a as (
    select
        sampled.stock_code_a,
        sampled.stock_code_b,
        product_baskets.baskets as orders_with_a
    from sampled
    inner join product_baskets on sampled.stock_code_a = product_baskets.stock_code
),

with_b as (
    select
        sampled.stock_code_a,
        sampled.stock_code_b,
        product_baskets.baskets as orders_with_b
    from sampled
    inner join product_baskets on sampled.stock_code_b = product_baskets.stock_code
),

with_both as (
    select
        sampled.stock_code_a,
        sampled.stock_code_b,
        count(*) as orders_with_both
    from sampled
    inner join kept as kept_a on sampled.stock_code_a = kept_a.stock_code
    inner join kept as kept_b
        on kept_a.invoice_id = kept_b.invoice_id and sampled.stock_code_b = kept_b.stock_code
    group by sampled.stock_code_a, sampled.stock_code_b
),

all_baskets as (
    select count(*) as baskets from basket_sizes
)

select
    sampled.stock_code_a,
    sampled.stock_code_b
from sampled
cross join all_baskets
left join with_a
    on sampled.stock_code_a = with_a.stock_code_a and sampled.stock_code_b = with_a.stock_code_b
left join with_b
    on sampled.stock_code_a = with_b.stock_code_a and sampled.stock_code_b = with_b.stock_code_b
left join with_both
    on sampled.stock_code_a = with_both.stock_code_a and sampled.stock_code_b = with_both.stock_code_b
where
    sampled.orders_with_both <> coalesce(with_both.orders_with_both, 0)
    or sampled.orders_with_a <> coalesce(with_a.orders_with_a, 0)
    or sampled.orders_with_b <> coalesce(with_b.orders_with_b, 0)
    or sampled.baskets <> all_baskets.baskets
