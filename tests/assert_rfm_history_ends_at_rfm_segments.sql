-- The history and the snapshot score alike: for the month end whose reference date is the
-- one `rfm_segments` was built with (when there is one: the last month end of the data
-- with `rfm_as_of` set to the first day of the next month), every customer has the same
-- recency, frequency, monetary value, scores and segment in both. Returns the differences.
with

segments as (
    select * from {{ ref('rfm_segments') }}
),

history as (
    select * from {{ ref('rfm_history') }}
    where rfm_as_of in (select segments.rfm_as_of from segments)
),

compared as (
    select
        segments.customer_id as segment_customer_id,
        history.customer_id as history_customer_id,
        segments.recency_days <> history.recency_days
        or segments.frequency <> history.frequency
        or segments.monetary <> history.monetary
        or segments.rfm_code <> history.rfm_code
        or segments.segment <> history.segment as differs
    from segments
    full outer join history on segments.customer_id = history.customer_id
)

select
    segment_customer_id,
    history_customer_id
from compared
where
    exists (select 1 from history)
    and (segment_customer_id is null or history_customer_id is null or differs)
