-- Reconciliation: staging rows = fct_sales rows + rows dropped as duplicates (per
-- dedupe_exact_duplicates). Returns one row describing the gap when it does not hold.
with

counts as (
    select
        (select count(*) from {{ ref('stg_retail__invoice_lines') }}) as staged,
        (select count(*) from {{ ref('fct_sales') }}) as in_facts,
        (select count(*) from {{ ref('dropped_duplicate_lines') }}) as dropped
)

select *
from counts
where staged <> in_facts + dropped
