-- Where did last quarter's Champions go? The customers who were Champions three month
-- ends before the last one, by their segment at the last month end.
with

history as (
    select * from {{ ref('rfm_history') }}
),

last_month as (
    select max(month_end) as month_end from history
),

quarter_ago as (
    select max(history.month_end) as month_end
    from history
    cross join last_month
    where history.month_end <= {{ dbt.dateadd('month', -3, 'last_month.month_end') }}
)

select
    now_.segment as segment_now,
    count(*) as customers,
    round(100.0 * count(*) / sum(count(*)) over (), 1) as pct_of_champions
from history as then_
inner join quarter_ago on then_.month_end = quarter_ago.month_end
cross join last_month
inner join history as now_
    on
        then_.customer_id = now_.customer_id
        and last_month.month_end = now_.month_end
where then_.segment = 'Champions'
group by now_.segment
order by customers desc
