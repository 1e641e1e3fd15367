-- Monthly sales (every line, as the notebook sums them) and month-on-month growth, with the
-- gross and cancelled parts. A partial month (the data's first or last) has no growth figure.
select
    month_start,
    is_partial_month,
    gross_sales,
    cancelled_sales,
    net_sales,
    net_sales_growth_pct
from {{ ref('monthly_kpis') }}
order by month_start
