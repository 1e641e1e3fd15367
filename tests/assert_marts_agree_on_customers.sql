-- The marts agree on every customer: `rfm_segments` and `campaign_audience` hold exactly
-- the customers `dim_customers` counts purchases for, with the same last purchase, recency,
-- frequency and monetary value. Returns each customer and figure that differ.
with

customers as (
    select * from {{ ref('dim_customers') }}
    where purchase_count > 0
),

segments as (
    select * from {{ ref('rfm_segments') }}
),

audience as (
    select * from {{ ref('campaign_audience') }}
),

compared as (
    select
        coalesce(customers.customer_id, segments.customer_id) as customer_id,
        case
            when segments.customer_id is null then 'buyer without an RFM row'
            when customers.customer_id is null then 'RFM row for a customer without a purchase'
            when segments.last_purchase_at <> customers.last_purchase_at then 'last purchase differs'
            when segments.recency_days <> customers.days_since_last_purchase then 'recency differs'
            when segments.frequency <> customers.purchase_count then 'frequency differs'
            when segments.monetary <> customers.purchase_revenue then 'monetary differs'
            when segments.rfm_as_of <> customers.rfm_as_of then 'reference date differs'
        end as problem
    from customers
    full outer join segments
        on customers.customer_id = segments.customer_id
),

audience_compared as (
    select
        coalesce(audience.customer_id, segments.customer_id) as customer_id,
        case
            when audience.customer_id is null then 'scored customer missing from campaign_audience'
            when segments.customer_id is null then 'campaign_audience row without an RFM row'
            when
                cast(segments.last_purchase_at as date) <> audience.last_purchase_date
                then 'audience last purchase differs'
        end as problem
    from segments
    full outer join audience
        on segments.customer_id = audience.customer_id
)

select * from compared
where problem is not null
union all
select * from audience_compared
where problem is not null
