with

source as (
    select * from {{ source('retail', 'retail_transactions') }}
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
        *
    from classified
),

flagged as (
    -- Lines equal in every source column form one group; the first loaded is the original.
    select
        *,
        row_number() over duplicate_group as duplicate_rank,
        first_value(invoice_line_id) over duplicate_group as original_invoice_line_id
    from keyed
    window duplicate_group as (
        partition by
            raw_invoice, stock_code, raw_description, quantity, invoiced_at,
            raw_unit_price, raw_customer_id, raw_country
        order by batch_id, source_sheet, source_row
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
        duplicate_rank > 1 as is_exact_duplicate
    from flagged
)

select * from final
