-- Reconciliation from staging to the marts, every line: each staged line is in fct_sales or
-- listed as dropped (a duplicate, per dedupe_exact_duplicates), and money is conserved from
-- staging, minus the dropped lines, to fct_sales, fct_orders and monthly_kpis. Each table is
-- read once for both (a CTE named twice is computed once). Returns each check that fails:
-- the layer, what is counted, its figure and the one expected from staging.
with

staged as (
    select
        count(*) as line_count,
        sum(line_amount) as amount
    from {{ ref('stg_retail__invoice_lines') }}
),

dropped as (
    select
        count(*) as line_count,
        coalesce(sum(line_amount), 0) as amount
    from {{ ref('dropped_duplicate_lines') }}
),

facts as (
    select
        count(*) as line_count,
        sum(line_amount) as amount
    from {{ ref('fct_sales') }}
),

orders as (
    select sum(net_amount) as amount
    from {{ ref('fct_orders') }}
),

kpis as (
    select sum(net_sales) as amount
    from {{ ref('monthly_kpis') }}
),

expected as (
    select
        staged.line_count - dropped.line_count as line_count,
        staged.amount - dropped.amount as amount
    from staged
    cross join dropped
),

checks as (
    select
        'fct_sales' as layer,
        'lines' as measure,
        cast(facts.line_count as {{ type_money() }}) as figure,
        cast(expected.line_count as {{ type_money() }}) as expected_figure
    from facts
    cross join expected
    union all
    select
        'fct_sales' as layer,
        'money' as measure,
        facts.amount as figure,
        expected.amount as expected_figure
    from facts
    cross join expected
    union all
    select
        'fct_orders' as layer,
        'money' as measure,
        orders.amount as figure,
        expected.amount as expected_figure
    from orders
    cross join expected
    union all
    select
        'monthly_kpis' as layer,
        'money' as measure,
        kpis.amount as figure,
        expected.amount as expected_figure
    from kpis
    cross join expected
)

select
    layer,
    measure,
    figure,
    expected_figure
from checks
where coalesce(figure, 0) <> coalesce(expected_figure, 0)
