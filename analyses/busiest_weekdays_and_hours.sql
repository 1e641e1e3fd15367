-- When do customers order? Orders placed and net sales per ISO weekday and hour, averaged
-- per day that had orders in that slot.
select
    iso_day_of_week,
    hour_of_day,
    sum(orders_placed) as orders_placed,
    round(1.0 * sum(orders_placed) / sum(days_with_orders), 2) as orders_per_day,
    sum(net_sales) as net_sales
from {{ ref('sales_seasonality') }}
group by iso_day_of_week, hour_of_day
order by iso_day_of_week, hour_of_day
