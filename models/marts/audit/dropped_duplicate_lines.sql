-- Every staging line left out of the facts, with why: today only exact duplicates, and
-- only when `dedupe_exact_duplicates` is true. Empty otherwise; never silent.
with

invoice_lines as (
    select * from {{ ref('stg_retail__invoice_lines') }}
),

ranked as (
    select * from {{ ref('int_invoice_lines_ranked') }}
),

final as (
    select
        invoice_lines.invoice_line_id,
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
        invoice_lines.source_row
    from invoice_lines
    inner join ranked
        on invoice_lines.invoice_line_id = ranked.invoice_line_id
    where {{ is_dropped_duplicate('ranked.duplicate_rank') }}
)

select * from final
