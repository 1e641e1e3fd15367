-- Reconciliation: money is conserved from the kept staging lines to fct_sales, to
-- fct_orders and to monthly_kpis. Returns each layer whose total differs.
with

totals as (
    select
        'staging (kept lines)' as layer,
        sum(line_amount) as total
    from {{ ref('stg_retail__invoice_lines') }}
    where not ({{ var('dedupe_exact_duplicates') }} and is_exact_duplicate)
    union all
    select
        'fct_sales' as layer,
        sum(line_amount) as total
    from {{ ref('fct_sales') }}
    union all
    select
        'fct_orders' as layer,
        sum(gross_amount) as total
    from {{ ref('fct_orders') }}
    union all
    select
        'monthly_kpis' as layer,
        sum(net_sales) as total
    from {{ ref('monthly_kpis') }}
),

reference as (
    select total as expected from totals
    where layer = 'staging (kept lines)'
)

select
    totals.layer,
    totals.total,
    reference.expected
from totals
cross join reference
where coalesce(totals.total, 0) <> coalesce(reference.expected, 0)
