-- R, F and M scores 1-5 per customer with a purchase, as of the reference date, by the
-- method in var `rfm_scoring` (macro rfm_scored, shared with the monthly history).
with

customers as (
    select * from {{ ref('int_customers_summarised') }}
    where purchase_count > 0
),

measured as (
    select
        customer_id,
        days_since_last_purchase as recency_days,
        purchase_count as frequency,
        cast(purchase_revenue as {{ type_money() }}) as monetary,
        last_purchase_at,
        rfm_as_of
    from customers
),

{{ rfm_scored('measured') }}

select * from rfm_scored
