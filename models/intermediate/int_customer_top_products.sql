-- One row per customer with a purchase: their top products by spend on purchases (var
-- `campaign_top_products`), as one text for campaign lists, best first.
with

top_bought as (
    select
        customer_id,
        stock_code,
        spend_rank
    from {{ ref('int_customer_products') }}
    where spend_rank <= {{ var('campaign_top_products') }}
),

products as (
    select * from {{ ref('dim_products') }}
),

described as (
    select
        top_bought.customer_id,
        top_bought.stock_code,
        top_bought.spend_rank,
        products.description
    from top_bought
    inner join products on top_bought.stock_code = products.stock_code
),

final as (
    select
        customer_id,
        {{ product_list('spend_rank') }} as top_products
    from described
    group by customer_id
)

select * from final
