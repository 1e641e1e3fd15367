-- How well do we keep new customers? For the cohorts of each quarter (customers by the
-- quarter of their first purchase), the share who bought again 1, 3, 6 and 12 months
-- after their first month, weighted by cohort size.
with

cohorts as (
    select
        *,
        cast({{ dbt.date_trunc('quarter', 'cohort_month') }} as date) as cohort_quarter
    from {{ ref('cohort_retention') }}
)

select
    cohort_quarter,
    sum(case when months_since_first_purchase = 0 then cohort_customers end) as customers,
    round(
        1.0 * sum(case when months_since_first_purchase = 1 then active_customers end)
        / nullif(sum(case when months_since_first_purchase = 1 then cohort_customers end), 0),
        3
    ) as retained_month_1,
    round(
        1.0 * sum(case when months_since_first_purchase = 3 then active_customers end)
        / nullif(sum(case when months_since_first_purchase = 3 then cohort_customers end), 0),
        3
    ) as retained_month_3,
    round(
        1.0 * sum(case when months_since_first_purchase = 6 then active_customers end)
        / nullif(sum(case when months_since_first_purchase = 6 then cohort_customers end), 0),
        3
    ) as retained_month_6,
    round(
        1.0 * sum(case when months_since_first_purchase = 12 then active_customers end)
        / nullif(sum(case when months_since_first_purchase = 12 then cohort_customers end), 0),
        3
    ) as retained_month_12
from cohorts
group by cohort_quarter
order by cohort_quarter
