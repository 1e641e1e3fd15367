-- Orders placed and cancelled per month, and the cancellation rate.
select
    month_start,
    orders_placed,
    orders_cancelled,
    round(100.0 * orders_cancelled / nullif(orders_placed, 0), 2) as cancelled_per_100_placed
from {{ ref('monthly_kpis') }}
order by month_start
