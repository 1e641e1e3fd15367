-- Reconciliation for the incremental model: every live raw row is ranked, as many ranks as
-- rows in each batch, and nothing else is (a replaced batch leaves no rank behind). With the
-- model's `unique` test on `invoice_line_id` (a line's batch, sheet and row), each raw row is
-- ranked exactly once. Returns each batch whose counts differ.
with

raw_rows as (
    select
        batch_id,
        count(*) as raw_rows
    from {{ source('retail', 'retail_transactions') }}
    group by batch_id
),

ranked_rows as (
    select
        batch_id,
        count(*) as ranked_rows
    from {{ ref('int_invoice_lines_ranked') }}
    group by batch_id
)

select
    coalesce(raw_rows.batch_id, ranked_rows.batch_id) as batch_id,
    coalesce(raw_rows.raw_rows, 0) as raw_rows,
    coalesce(ranked_rows.ranked_rows, 0) as ranked_rows
from raw_rows
full outer join ranked_rows
    on raw_rows.batch_id = ranked_rows.batch_id
where coalesce(raw_rows.raw_rows, 0) <> coalesce(ranked_rows.ranked_rows, 0)
