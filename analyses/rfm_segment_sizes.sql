-- How many customers are in each RFM segment, their share of customers and revenue, and
-- what marketing should do about them.
select
    segment,
    customers,
    share_of_customers_pct,
    share_of_revenue_pct,
    mean_recency_days,
    mean_frequency,
    mean_monetary,
    recommended_campaign
from {{ ref('rfm_segment_summary') }}
order by segment_order
