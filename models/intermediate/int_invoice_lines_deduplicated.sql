-- The invoice lines every mart is built from: the staged lines with their duplicate rank,
-- minus the lines the duplicate rule (macro `is_dropped_duplicate`) leaves out, which
-- `dropped_duplicate_lines` lists.
with

invoice_lines as (
    select * from {{ ref('stg_retail__invoice_lines') }}
),

ranked as (
    select * from {{ ref('int_invoice_lines_ranked') }}
),

final as (
    select
        invoice_lines.*,
        ranked.duplicate_rank,
        ranked.original_invoice_line_id,
        ranked.duplicate_rank > 1 as is_exact_duplicate
    from invoice_lines
    inner join ranked
        on invoice_lines.invoice_line_id = ranked.invoice_line_id
    where not {{ is_dropped_duplicate('ranked.duplicate_rank') }}
)

select * from final
