{#- Its rows are deduplicated lines with their `build_number`, so on PostgreSQL a run finds
    the quirks of the lines above the published ones only and the publish appends them
    (materialization published_increment); a changed rule or a removed batch builds it whole. -#}
{{ config(
    materialized='published_increment' if target.type == 'postgres' else 'table',
    restarts_with='int_invoice_lines_deduplicated',
) }}
-- Lines kept in the facts that break what the source usually does, each with the quirk it
-- shows: known oddities of the data, listed here to look at instead of a warning on every
-- build. The facts keep them as they are (a C invoice is a cancellation whatever its sign).
with

invoice_lines as (
    select * from {{ ref('int_invoice_lines_deduplicated') }}
),

quirks as (
    select
        *,
        case
            when is_cancellation and quantity >= 0 then 'cancellation with a zero or positive quantity'
            when is_sale and unit_price < 0 then 'sale at a negative price'
        end as quirk
    from invoice_lines
),

final as (
    select
        invoice_line_id,
        quirk,
        invoice_id,
        stock_code,
        description,
        quantity,
        unit_price,
        line_amount,
        invoiced_at,
        batch_id,
        source_file,
        source_row,
        build_number
    from quirks
    where quirk is not null
)

select * from final
