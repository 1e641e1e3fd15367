with

scored as (
    select * from {{ ref('int_customers_rfm_scored') }}
),

segment_map as (
    select * from {{ ref('rfm_segment_map') }}
),

playbook as (
    select * from {{ ref('rfm_segment_playbook') }}
),

final as (
    select
        scored.customer_id,
        scored.recency_days,
        scored.frequency,
        scored.monetary,
        scored.r_score,
        scored.f_score,
        scored.m_score,
        scored.rfm_code,
        segment_map.segment,
        playbook.description as segment_description,
        playbook.recommended_campaign,
        scored.last_purchase_at,
        scored.rfm_as_of
    from scored
    inner join segment_map
        on
            scored.r_score = segment_map.r_score
            and scored.f_score = segment_map.f_score
    inner join playbook
        on segment_map.segment = playbook.segment
)

select * from final
