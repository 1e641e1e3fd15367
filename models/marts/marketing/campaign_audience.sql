-- One row per scored customer with what a campaign needs: where they are, their RFM
-- standing, when they last bought, their top products (for "recommendations based on
-- previous purchases") and the segment's recommended campaign. `lgs export` reads this.
with

segments as (
    select * from {{ ref('rfm_segments') }}
),

customers as (
    select * from {{ ref('dim_customers') }}
),

product_spend as (
    select
        sales.customer_id,
        sales.stock_code,
        products.description,
        sum(sales.line_amount) as spend
    from {{ ref('fct_sales') }} as sales
    inner join {{ ref('dim_products') }} as products
        on sales.stock_code = products.stock_code
    where
        sales.is_sale
        and sales.is_product
        and not sales.is_guest
    group by sales.customer_id, sales.stock_code, products.description
),

ranked_products as (
    select
        *,
        row_number() over (partition by customer_id order by spend desc, stock_code asc) as product_rank
    from product_spend
),

top_products as (
    select
        customer_id,
        {{ dbt.listagg(
            dbt.concat(["stock_code", "' '", "coalesce(description, '')"]),
            "' | '",
            "order by product_rank"
        ) }} as top_products
    from ranked_products
    where product_rank <= {{ var('campaign_top_products') }}
    group by customer_id
),

final as (
    select
        segments.customer_id,
        customers.country,
        segments.segment,
        segments.recency_days,
        segments.frequency,
        segments.monetary,
        cast(segments.last_purchase_at as date) as last_purchase_date,
        top_products.top_products,
        segments.recommended_campaign
    from segments
    inner join customers
        on segments.customer_id = customers.customer_id
    left join top_products
        on segments.customer_id = top_products.customer_id
)

select * from final
