-- Active customers per month, split into new (first line ever that month) and existing.
select
    month_start,
    active_customers,
    new_customers,
    returning_customers as existing_customers,
    round(100.0 * new_customers / nullif(active_customers, 0), 1) as new_customer_pct
from {{ ref('monthly_kpis') }}
order by month_start
