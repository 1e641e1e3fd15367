-- Which markets matter outside the UK? Net sales, orders and customers per country over
-- the whole data, with the share of all net sales.
select
    country,
    sum(net_sales) as net_sales,
    sum(orders_placed) as orders_placed,
    round(100.0 * sum(net_sales) / sum(sum(net_sales)) over (), 2) as pct_of_net_sales
from {{ ref('sales_by_country_month') }}
group by country
order by net_sales desc
limit 12
