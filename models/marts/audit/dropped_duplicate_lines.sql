-- Every staging line left out of the facts, with why: today only exact duplicates, and
-- only when `dedupe_exact_duplicates` is true. Empty otherwise; never silent.
with

invoice_lines as (
    select * from {{ ref('stg_retail__invoice_lines') }}
),

final as (
    select
        invoice_line_id,
        original_invoice_line_id,
        'exact duplicate of an earlier line (dedupe_exact_duplicates)' as drop_reason,
        duplicate_rank,
        invoice_id,
        stock_code,
        description,
        quantity,
        invoiced_at,
        unit_price,
        line_amount,
        customer_id,
        country,
        batch_id,
        source_file,
        source_sheet,
        source_row
    from invoice_lines
    where
        {{ 'is_exact_duplicate' if var('dedupe_exact_duplicates') else '1 = 0' }}
)

select * from final
