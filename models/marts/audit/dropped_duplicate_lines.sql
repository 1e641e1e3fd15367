{#- Its rows are ranked lines with a `build_number`, so on PostgreSQL a run finds the dropped
    lines among those ranked above the published rows only, and the publish appends them
    (materialization published_increment, which also analyses what it wrote: its tests then
    look the day's rows up in `fct_sales` by key); a changed rule or a removed batch starts the
    deduplicated lines again, as an upgrade of the ranks ranks every line again: then this model
    is built whole. -#}
{{ config(
    materialized='published_increment' if target.type == 'postgres' else 'table',
    restarts_with=['int_invoice_lines_deduplicated', 'int_invoice_lines_ranked'],
) }}
-- Every staging line left out of the facts, with why: today only exact duplicates, and
-- only when `dedupe_exact_duplicates` is true. Empty otherwise; never silent.
-- Each row carries the number of the build that last changed it, so its data tests read only
-- the rows no passed build has checked (macros/checked_rows.sql): the later of the build
-- that ranked the line and the build the deduplicated lines were last computed again from
-- nothing (a changed definition or a removed batch does that).
with

ranked as (
    -- Every ranked line; on an increment, those ranked since the published rows (the day's).
    select * from {{ ref('int_invoice_lines_ranked') }}
    where build_number > {{ published_increment_floor() }}
),

invoice_lines as (
    -- From the first batch of those lines on: on an increment, only the raw partitions of the
    -- day's batches are read (the server prunes the others as it starts). The ranks are read
    -- again here rather than from `ranked`: a second reference would have PostgreSQL store
    -- every ranked line on a whole build (11.8 s against 5.5 at 10x).
    select * from {{ ref('stg_retail__invoice_lines') }}
    where
        batch_id >= (
            select min(ranked_lines.batch_id)
            from {{ ref('int_invoice_lines_ranked') }} as ranked_lines
            where ranked_lines.build_number > {{ published_increment_floor() }}
        )
),

deduplicated_since as (
    -- One number, read as a scalar subquery below: computed once. Cross joined, it may be
    -- computed again for every dropped line (a nested loop, when the planner takes the join
    -- above for one row), which without the B-tree on `build_number` means reading every
    -- deduplicated line once per dropped line (bench/history.md).
    select min(build_number) as build_number
    from {{ ref('int_invoice_lines_deduplicated') }}
),

final as (
    select
        ranked.invoice_line_id,
        ranked.original_invoice_line_id,
        'exact duplicate of an earlier line (dedupe_exact_duplicates)' as drop_reason,
        ranked.duplicate_rank,
        invoice_lines.invoice_id,
        invoice_lines.stock_code,
        invoice_lines.description,
        invoice_lines.quantity,
        invoice_lines.invoiced_at,
        invoice_lines.unit_price,
        invoice_lines.line_amount,
        invoice_lines.customer_id,
        invoice_lines.country,
        invoice_lines.batch_id,
        invoice_lines.source_file,
        invoice_lines.source_sheet,
        invoice_lines.source_row,
        greatest(
            ranked.build_number,
            coalesce((select deduplicated_since.build_number from deduplicated_since), 0)
        ) as build_number
    from ranked
    -- By the line's place in the load, the columns its key is made of: no key to compute
    -- for every raw line.
    inner join invoice_lines
        on
            ranked.batch_id = invoice_lines.batch_id
            and ranked.source_row = invoice_lines.source_row
            and ranked.source_sheet is not distinct from invoice_lines.source_sheet
    where {{ is_dropped_duplicate('ranked.duplicate_rank') }}
)

select * from final
