-- One row: the first and last invoice dates in the data, and the reference date every
-- "as of" figure is measured to (recency, days since last purchase): var `rfm_as_of` when
-- set, else the day after the last invoice date.
with

orders as (
    select * from {{ ref('int_orders') }}
),

bounds as (
    select
        min(invoice_date) as first_invoice_date,
        max(invoice_date) as last_invoice_date
    from orders
),

final as (
    select
        first_invoice_date,
        last_invoice_date,
        {% if var('rfm_as_of') -%}
            cast('{{ var("rfm_as_of") }}' as date)
        {%- else -%}
            cast({{ dbt.dateadd('day', 1, 'last_invoice_date') }} as date)
        {%- endif %} as rfm_as_of
    from bounds
)

select * from final
