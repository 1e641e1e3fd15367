-- Lines kept in the facts that break what the source usually does, each with the quirk it
-- shows: known oddities of the data, listed here to look at instead of a warning on every
-- build. The facts keep them as they are (a C invoice is a cancellation whatever its sign).
with

invoice_lines as (
    select * from {{ ref('int_invoice_lines_deduplicated') }}
),

quirks as (
    select
        invoice_line_id,
        'cancellation with a zero or positive quantity' as quirk
    from invoice_lines
    where is_cancellation and quantity >= 0
    union all
    select
        invoice_line_id,
        'sale at a negative price' as quirk
    from invoice_lines
    where is_sale and unit_price < 0
),

final as (
    select
        quirks.invoice_line_id,
        quirks.quirk,
        invoice_lines.invoice_id,
        invoice_lines.stock_code,
        invoice_lines.description,
        invoice_lines.quantity,
        invoice_lines.unit_price,
        invoice_lines.line_amount,
        invoice_lines.invoiced_at,
        invoice_lines.batch_id,
        invoice_lines.source_file,
        invoice_lines.source_row
    from quirks
    inner join invoice_lines
        on quirks.invoice_line_id = invoice_lines.invoice_line_id
)

select * from final
