-- One row per invoice. An invoice's type follows its lines: `C` invoices are
-- cancellations, `A` adjustments, any sale line makes a sale, otherwise a stock adjustment.
with

sales as (
    select * from {{ ref('fct_sales') }}
),

per_invoice as (
    select
        invoice_id,
        min(invoiced_at) as invoiced_at,
        max(customer_id) as customer_id,
        max(country) as country,
        count(*) as line_count,
        sum(quantity) as item_count,
        sum(line_amount) as gross_amount,
        max(case when is_sale then 1 else 0 end) as has_sale_line,
        max(case when is_cancellation then 1 else 0 end) as has_cancellation_line,
        max(case when line_type = 'adjustment' then 1 else 0 end) as has_adjustment_line
    from sales
    group by invoice_id
),

final as (
    select
        invoice_id,
        cast(invoiced_at as date) as invoice_date,
        invoiced_at,
        cast(customer_id as {{ dbt.type_int() }}) as customer_id,
        customer_id = {{ var('unknown_customer_id') }} as is_guest,
        country,
        case
            when has_cancellation_line = 1 then 'cancellation'
            when has_adjustment_line = 1 then 'adjustment'
            when has_sale_line = 1 then 'sale'
            else 'stock_adjustment'
        end as order_type,
        has_cancellation_line = 1 as is_cancellation,
        has_adjustment_line = 1 as is_adjustment,
        cast(line_count as {{ dbt.type_int() }}) as line_count,
        cast(item_count as {{ dbt.type_bigint() }}) as item_count,
        cast(gross_amount as {{ type_money() }}) as gross_amount
    from per_invoice
)

select * from final
