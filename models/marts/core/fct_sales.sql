{{ config(
    materialized='incremental',
    on_schema_change='fail',
    pre_hook="{{ forget_changed_batches() }}",
    indexes=[{'columns': ['batch_id']}],
) }}

with

invoice_lines as (
    -- Incremental by load batch (macros/incremental_by_batch.sql).
    select * from {{ ref('int_invoice_lines_deduplicated') }}
    {% if is_incremental() -%}
        where batch_id > {{ batch_watermark() }}
    {%- endif %}
),

final as (
    select
        invoice_line_id,
        invoice_id,
        stock_code,
        cast(coalesce(customer_id, {{ var('unknown_customer_id') }}) as {{ dbt.type_int() }}) as customer_id,
        invoice_date,
        invoiced_at,
        country,
        quantity,
        cast(unit_price as {{ type_money() }}) as unit_price,
        cast(line_amount as {{ type_money() }}) as line_amount,
        line_type,
        is_sale,
        is_cancellation,
        is_product,
        is_guest,
        is_exact_duplicate,
        batch_id,
        source_file,
        source_sheet,
        source_row,
        build_fingerprint
    from invoice_lines
)

select * from final
