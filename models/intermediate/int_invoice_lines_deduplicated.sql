{{ config(
    materialized=incremental_or_table(),
    on_schema_change='sync_all_columns',
    pre_hook="{{ forget_stale_history() }}",
    indexes=[
        {'columns': ['invoice_line_id'], 'unique': True},
        {'columns': ['through_batch_id']},
        {'columns': ['invoice_id']},
        {'columns': ['build_number']},
    ],
) }}
-- The invoice lines every mart is built from: the staged lines with their duplicate rank,
-- minus the lines the duplicate rule (macro `is_dropped_duplicate`) leaves out, which
-- `dropped_duplicate_lines` lists.
-- Incremental by load batch: a run adds the lines of the batches ranked since the last one
-- (a line's rank never changes once later batches arrive). It starts again from nothing
-- (pre-hook forget_stale_history) when the definitions change or a batch it holds is no
-- longer live in raw. Its key is a unique index, so the key's `unique` test reads nothing
-- (macros/enforced_keys.sql).
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
        -- The line's two keys come from its rank, where they are stored: taken from the
        -- staged view, both digests would be computed again for every line.
        ranked.invoice_line_id,
        invoice_lines.invoice_id,
        invoice_lines.stock_code,
        invoice_lines.description,
        invoice_lines.quantity,
        invoice_lines.invoiced_at,
        invoice_lines.invoice_date,
        invoice_lines.unit_price,
        invoice_lines.line_amount,
        invoice_lines.customer_id,
        invoice_lines.country,
        invoice_lines.line_type,
        invoice_lines.is_product,
        invoice_lines.is_guest,
        ranked.duplicate_key,
        invoice_lines.batch_id,
        invoice_lines.source_file,
        invoice_lines.source_sheet,
        invoice_lines.source_row,
        invoice_lines.loaded_at,
        invoice_lines.is_sale,
        invoice_lines.is_cancellation,
        invoice_lines.is_priced_sale,
        ranked.duplicate_rank,
        ranked.original_invoice_line_id,
        ranked.duplicate_rank > 1 as is_exact_duplicate,
        {{ bookkeeping_columns('batches') }}
    from invoice_lines
    -- Joined on the line's place in the load, which its id is a digest of (a file without
    -- sheets has none).
    inner join ranked
        on
            invoice_lines.batch_id = ranked.batch_id
            and invoice_lines.source_row = ranked.source_row
            and invoice_lines.source_sheet is not distinct from ranked.source_sheet
    cross join batches
    where not {{ is_dropped_duplicate('ranked.duplicate_rank') }}
)

select * from final
