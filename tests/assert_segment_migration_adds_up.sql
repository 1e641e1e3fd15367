-- Migration accounts for every customer: for each pair of month ends, the customers moving
-- out of a segment add up to that segment's size at the earlier month end in `rfm_history`,
-- and those moving in add up to its size at the later one. Returns each difference.
with

migration as (
    select * from {{ ref('segment_migration') }}
),

sizes as (
    select
        month_end,
        segment,
        count(*) as customers
    from {{ ref('rfm_history') }}
    group by month_end, segment
),

outgoing as (
    select
        from_month_end as month_end,
        from_segment as segment,
        sum(customers) as customers
    from migration
    where from_segment <> '(new)'
    group by from_month_end, from_segment
),

incoming as (
    select
        to_month_end as month_end,
        to_segment as segment,
        sum(customers) as customers
    from migration
    where to_segment <> '(lapsed)'
    group by to_month_end, to_segment
),

last_month as (
    select max(month_end) as month_end from sizes
),

first_month as (
    select min(month_end) as month_end from sizes
)

select
    'outgoing' as side,
    coalesce(sizes.month_end, outgoing.month_end) as month_end,
    coalesce(sizes.segment, outgoing.segment) as segment
from sizes
full outer join outgoing on sizes.month_end = outgoing.month_end and sizes.segment = outgoing.segment
where
    coalesce(sizes.month_end, outgoing.month_end) < (select last_month.month_end from last_month)
    and coalesce(sizes.customers, -1) <> coalesce(outgoing.customers, -1)
union all
select
    'incoming' as side,
    coalesce(sizes.month_end, incoming.month_end) as month_end,
    coalesce(sizes.segment, incoming.segment) as segment
from sizes
full outer join incoming on sizes.month_end = incoming.month_end and sizes.segment = incoming.segment
where
    coalesce(sizes.month_end, incoming.month_end) > (select first_month.month_end from first_month)
    and coalesce(sizes.customers, -1) <> coalesce(incoming.customers, -1)
