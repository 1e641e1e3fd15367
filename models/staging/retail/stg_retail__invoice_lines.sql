{{ config(
    materialized='incremental',
    on_schema_change='fail',
    pre_hook="{{ forget_changed_batches() }}",
    indexes=[{'columns': ['batch_id']}],
) }}
-- Incremental by load batch (macros/incremental_by_batch.sql): a run stages only the
-- batches loaded since the last one; duplicates are ranked against earlier batches.

with

source as (
    select * from {{ source('retail', 'retail_transactions') }}
    {% if is_incremental() -%}
        where batch_id > {{ batch_watermark() }}
    {%- endif %}
),

cleaned as (
    select
        batch_id,
        source_file,
        source_sheet,
        source_row,
        loaded_at,
        -- Identifiers stay exactly as written: trimming would merge codes the shop keeps apart.
        invoice as invoice_id,
        stock_code,
        nullif(trim(description), '') as description,
        quantity,
        invoice_date as invoiced_at,
        cast(invoice_date as date) as invoice_date,
        unit_price,
        cast(customer_id as {{ dbt.type_int() }}) as customer_id,
        nullif(trim(country), '') as country,
        -- The raw values again, to find lines that repeat another line exactly.
        invoice as raw_invoice,
        description as raw_description,
        unit_price as raw_unit_price,
        customer_id as raw_customer_id,
        country as raw_country
    from source
),

classified as (
    select
        *,
        {{ line_type('invoice_id', 'quantity') }} as line_type,
        {{ is_product_stock_code('stock_code') }} as is_product,
        customer_id is null as is_guest,
        quantity * unit_price as line_amount
    from cleaned
),

keyed as (
    select
        {{ generate_surrogate_key(['batch_id', 'source_sheet', 'source_row']) }} as invoice_line_id,
        -- The text of a row value quotes every field, so equal keys mean equal lines.
        md5(cast(row(
            raw_invoice, stock_code, raw_description, quantity, invoiced_at,
            raw_unit_price, raw_customer_id, raw_country
        ) as text)) as duplicate_key,
        *
    from classified
),

earlier as (
    -- Copies of a new line already staged from earlier batches: how many, and the original.
    {% if is_incremental() -%}
        select
            duplicate_key,
            count(*) as earlier_copies,
            min(original_invoice_line_id) as earlier_original_id
        from {{ this }}
        where duplicate_key in (select keyed.duplicate_key from keyed)
        group by duplicate_key
    {%- else -%}
        select
            cast(null as text) as duplicate_key,
            cast(0 as bigint) as earlier_copies,
            cast(null as text) as earlier_original_id
        where false
    {%- endif %}
),

flagged as (
    -- Lines equal in every source column form one group; the first loaded is the original.
    select
        keyed.*,
        coalesce(earlier.earlier_copies, 0) + row_number() over duplicate_group as duplicate_rank,
        coalesce(
            earlier.earlier_original_id, first_value(keyed.invoice_line_id) over duplicate_group
        ) as original_invoice_line_id
    from keyed
    left join earlier on keyed.duplicate_key = earlier.duplicate_key
    window duplicate_group as (
        partition by keyed.duplicate_key
        order by keyed.batch_id, keyed.source_sheet, keyed.source_row
    )
),

final as (
    select
        invoice_line_id,
        invoice_id,
        stock_code,
        description,
        quantity,
        invoiced_at,
        invoice_date,
        unit_price,
        line_amount,
        customer_id,
        country,
        line_type,
        is_product,
        is_guest,
        duplicate_rank,
        original_invoice_line_id,
        batch_id,
        source_file,
        source_sheet,
        source_row,
        loaded_at,
        line_type = 'sale' as is_sale,
        line_type = 'cancellation' as is_cancellation,
        duplicate_rank > 1 as is_exact_duplicate,
        duplicate_key,
        '{{ build_fingerprint() }}' as build_fingerprint
    from flagged
)

select * from final
