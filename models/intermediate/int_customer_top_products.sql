-- One row per customer with a purchase: their top products by spend on purchases (var
-- `campaign_top_products`), as one text for campaign lists, best first.
with

bought as (
    select * from {{ ref('int_customer_products') }}
),

products as (
    select * from {{ ref('dim_products') }}
),

ranked_products as (
    select
        bought.customer_id,
        bought.stock_code,
        products.description,
        row_number() over (
            partition by bought.customer_id order by bought.spend desc, bought.stock_code asc
        ) as product_rank
    from bought
    inner join products on bought.stock_code = products.stock_code
),

final as (
    select
        customer_id,
        {{ product_list('product_rank') }} as top_products
    from ranked_products
    where product_rank <= {{ var('campaign_top_products') }}
    group by customer_id
)

select * from final
