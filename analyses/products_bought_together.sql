-- Which products sell together? The strongest pairs on at least 50 baskets, by lift, with
-- how often a basket with one also holds the other.
select
    affinity.stock_code_a,
    product_a.description as description_a,
    affinity.stock_code_b,
    product_b.description as description_b,
    affinity.orders_with_both,
    round(cast(affinity.confidence_a_to_b as numeric), 3) as confidence_a_to_b,
    round(cast(affinity.confidence_b_to_a as numeric), 3) as confidence_b_to_a,
    round(cast(affinity.lift as numeric), 1) as lift
from {{ ref('product_affinity') }} as affinity
inner join {{ ref('dim_products') }} as product_a on affinity.stock_code_a = product_a.stock_code
inner join {{ ref('dim_products') }} as product_b on affinity.stock_code_b = product_b.stock_code
where affinity.orders_with_both >= 50
order by affinity.lift desc, affinity.orders_with_both desc
limit 15
