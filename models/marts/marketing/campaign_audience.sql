-- One row per scored customer with what a campaign needs: where they are, their RFM
-- standing, when they last bought, their top products (for "recommendations based on
-- previous purchases"), the products recommended to them (`customer_recommendations`)
-- and the segment's recommended campaign. `lgs export` reads this.
with

segments as (
    select * from {{ ref('rfm_segments') }}
),

customers as (
    select * from {{ ref('dim_customers') }}
),

top_products as (
    select * from {{ ref('int_customer_top_products') }}
),

recommended as (
    select
        customer_id,
        {{ product_list('recommendation_rank') }} as recommended_products
    from {{ ref('customer_recommendations') }}
    group by customer_id
),

predictions as (
    select * from {{ ref('customer_predictions') }}
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
        recommended.recommended_products,
        predictions.p_alive,
        predictions.clv_12_months,
        predictions.churn_risk,
        segments.recommended_campaign
    from segments
    inner join customers
        on segments.customer_id = customers.customer_id
    left join top_products
        on segments.customer_id = top_products.customer_id
    left join recommended
        on segments.customer_id = recommended.customer_id
    left join predictions
        on segments.customer_id = predictions.customer_id
)

select * from final
