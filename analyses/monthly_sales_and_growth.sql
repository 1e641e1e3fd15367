-- Monthly sales (every line, as the notebook sums them) and month-on-month growth, with the
-- gross and cancelled parts.
select
    month_start,
    gross_sales,
    cancelled_sales,
    net_sales,
    net_sales_growth_pct
from {{ ref('monthly_kpis') }}
order by month_start
