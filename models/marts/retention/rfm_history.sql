-- Each customer's RFM scores and segment as of each month end (see
-- `int_customers_rfm_history`), with the segment from the same map as `rfm_segments`.
with

history as (
    select * from {{ ref('int_customers_rfm_history') }}
),

segment_map as (
    select * from {{ ref('rfm_segment_map') }}
),

final as (
    select
        history.month_end,
        history.rfm_as_of,
        history.customer_id,
        history.recency_days,
        history.frequency,
        history.monetary,
        history.r_score,
        history.f_score,
        history.m_score,
        history.rfm_code,
        segment_map.segment,
        history.last_purchase_at
    from history
    inner join segment_map
        on
            history.r_score = segment_map.r_score
            and history.f_score = segment_map.f_score
)

select * from final
