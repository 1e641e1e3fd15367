-- Recency, frequency and monetary value per identified customer, over sale lines at a
-- positive price (DESIGN: Business rules / RFM).
with

invoice_lines as (
    select * from {{ ref('int_invoice_lines_deduplicated') }}
),

reference_date as (
    select {{ rfm_as_of('max_invoice_date') }} as rfm_as_of
    from (
        select max(invoice_date) as max_invoice_date
        from invoice_lines
    ) as data_bounds
),

purchases as (
    select
        customer_id,
        invoice_id,
        invoiced_at,
        line_amount
    from invoice_lines
    where
        is_sale
        and unit_price > 0
        and not is_guest
),

per_invoice as (
    -- One row per customer and invoice (counting these is cheaper than count(distinct)).
    select
        customer_id,
        invoice_id,
        max(invoiced_at) as last_purchase_at,
        sum(line_amount) as monetary
    from purchases
    group by customer_id, invoice_id
),

per_customer as (
    select
        customer_id,
        max(last_purchase_at) as last_purchase_at,
        count(*) as frequency,
        sum(monetary) as monetary
    from per_invoice
    group by customer_id
),

final as (
    select
        per_customer.customer_id,
        per_customer.last_purchase_at,
        {{ elapsed_whole_days(
            'per_customer.last_purchase_at',
            'cast(reference_date.rfm_as_of as ' ~ dbt.type_timestamp() ~ ')'
        ) }} as recency_days,
        cast(per_customer.frequency as {{ dbt.type_int() }}) as frequency,
        cast(per_customer.monetary as {{ type_money() }}) as monetary,
        reference_date.rfm_as_of
    from per_customer
    cross join reference_date
)

select * from final
