-- Reconciliation: money is conserved from staging (minus the lines dropped as duplicates)
-- to fct_sales, fct_orders and monthly_kpis. Returns each layer whose total differs.
with

totals as (
    select
        'staging minus dropped duplicates' as layer,
        (select sum(line_amount) from {{ ref('stg_retail__invoice_lines') }})
        - coalesce((select sum(line_amount) from {{ ref('dropped_duplicate_lines') }}), 0) as total
    union all
    select
        'fct_sales' as layer,
        sum(line_amount) as total
    from {{ ref('fct_sales') }}
    union all
    select
        'fct_orders' as layer,
        sum(net_amount) as total
    from {{ ref('fct_orders') }}
    union all
    select
        'monthly_kpis' as layer,
        sum(net_sales) as total
    from {{ ref('monthly_kpis') }}
),

reference as (
    select total as expected from totals
    where layer = 'staging minus dropped duplicates'
)

select
    totals.layer,
    totals.total,
    reference.expected
from totals
cross join reference
where coalesce(totals.total, 0) <> coalesce(reference.expected, 0)
