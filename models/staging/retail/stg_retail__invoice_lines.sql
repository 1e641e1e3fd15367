-- One row per raw line: renamed, cast, cleaned and classified by the rule macros. A view:
-- a changed rule shows in every model built after it, with nothing to refresh.
with

source as (
    select * from {{ source('retail', 'retail_transactions') }}
),

renamed as (
    select
        {{ dbt_utils.generate_surrogate_key(['batch_id', 'source_sheet', 'source_row']) }} as invoice_line_id,
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
        -- Equal keys mean lines equal in every source column (the exact-duplicate rule,
        -- applied in intermediate).
        {{ duplicate_key([
            'invoice', 'stock_code', 'description', 'quantity', 'invoice_date', 'unit_price', 'customer_id', 'country'
        ]) }} as duplicate_key,
        batch_id,
        source_file,
        source_sheet,
        source_row,
        loaded_at
    from source
),

classified as (
    select
        *,
        {{ line_type('invoice_id', 'quantity') }} as line_type,
        {{ is_product_stock_code('stock_code') }} as is_product,
        customer_id is null as is_guest,
        quantity * unit_price as line_amount
    from renamed
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
        duplicate_key,
        batch_id,
        source_file,
        source_sheet,
        source_row,
        loaded_at,
        line_type = 'sale' as is_sale,
        line_type = 'cancellation' as is_cancellation,
        -- A sale at a positive price: the lines a purchase is made of (see the glossary).
        line_type = 'sale' and unit_price > 0 as is_priced_sale
    from classified
)

select * from final
