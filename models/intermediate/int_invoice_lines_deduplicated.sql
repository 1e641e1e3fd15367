{{ config(
    materialized=incremental_or_table(),
    on_schema_change='sync_all_columns',
    pre_hook="{{ forget_stale_history() }}",
    indexes=[{'columns': ['through_batch_id']}, {'columns': ['invoice_id']}, {'columns': ['build_number']}],
) }}
-- The invoice lines every mart is built from: the staged lines with their duplicate rank,
-- minus the lines the duplicate rule (macro `is_dropped_duplicate`) leaves out, which
-- `dropped_duplicate_lines` lists.
-- Incremental by load batch: a run adds the lines of the batches ranked since the last one
-- (a line's rank never changes once later batches arrive). It starts again from nothing
-- (pre-hook forget_stale_history) when the definitions change or a batch it holds is no
-- longer live in raw.
with

ranked as (
    select * from {{ ref('int_invoice_lines_ranked') }}
    {% if is_incremental() -%}
        where batch_id > {{ held_batch_number() }}
    {%- endif %}
),

batches as (
    {{ computed_batches() }}
),

invoice_lines as (
    select * from {{ ref('stg_retail__invoice_lines') }}
    {% if is_incremental() -%}
        where batch_id > {{ held_batch_number() }}
    {%- endif %}
),

final as (
    select
        invoice_lines.*,
        ranked.duplicate_rank,
        ranked.original_invoice_line_id,
        ranked.duplicate_rank > 1 as is_exact_duplicate,
        {{ bookkeeping_columns('batches') }}
    from invoice_lines
    inner join ranked
        on invoice_lines.invoice_line_id = ranked.invoice_line_id
    cross join batches
    where not {{ is_dropped_duplicate('ranked.duplicate_rank') }}
)

select * from final
