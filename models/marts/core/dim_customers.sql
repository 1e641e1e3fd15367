-- One row per identified customer (any line with a customer number). Guest lines have no
-- row here: in the facts they carry the unknown-customer key.
with

invoice_lines as (
    -- Only the columns used: this is read twice, so it is kept narrow.
    select
        customer_id,
        invoice_id,
        invoiced_at,
        country,
        is_sale,
        is_cancellation,
        line_amount,
        batch_id,
        source_row
    from {{ ref('int_invoice_lines_deduplicated') }}
    where not is_guest
),

reference_date as (
    select {{ rfm_as_of('max_invoice_date') }} as rfm_as_of
    from (
        select max(invoice_date) as max_invoice_date
        from {{ ref('int_invoice_lines_deduplicated') }}
    ) as data_bounds
),

latest_country as (
    select
        customer_id,
        country,
        row_number() over (
            partition by customer_id
            order by invoiced_at desc, batch_id desc, source_row desc
        ) as recency_rank
    from invoice_lines
    where country is not null
),

per_invoice as (
    -- One row per customer and invoice (counting these is cheaper than count(distinct)).
    select
        customer_id,
        invoice_id,
        min(invoiced_at) as first_seen_at,
        min(case when is_sale then invoiced_at end) as first_purchase_at,
        max(case when is_sale then invoiced_at end) as last_purchase_at,
        bool_or(is_sale) as has_sale,
        bool_or(is_cancellation) as has_cancellation,
        sum(case when is_sale then line_amount else 0 end) as gross_revenue,
        sum(case when is_cancellation then line_amount else 0 end) as cancelled_revenue,
        sum(line_amount) as net_revenue
    from invoice_lines
    group by customer_id, invoice_id
),

per_customer as (
    select
        customer_id,
        min(first_seen_at) as first_seen_at,
        min(first_purchase_at) as first_purchase_at,
        max(last_purchase_at) as last_purchase_at,
        count(case when has_sale then 1 end) as order_count,
        count(case when has_cancellation then 1 end) as cancellation_count,
        sum(gross_revenue) as gross_revenue,
        sum(cancelled_revenue) as cancelled_revenue,
        sum(net_revenue) as net_revenue
    from per_invoice
    group by customer_id
),

final as (
    select
        per_customer.customer_id,
        latest_country.country,
        per_customer.first_seen_at,
        per_customer.first_purchase_at,
        per_customer.last_purchase_at,
        cast(per_customer.order_count as {{ dbt.type_int() }}) as order_count,
        cast(per_customer.cancellation_count as {{ dbt.type_int() }}) as cancellation_count,
        cast(per_customer.gross_revenue as {{ type_money() }}) as gross_revenue,
        cast(per_customer.cancelled_revenue as {{ type_money() }}) as cancelled_revenue,
        cast(per_customer.net_revenue as {{ type_money() }}) as net_revenue,
        cast(
            case
                when per_customer.order_count > 0
                    then round(per_customer.gross_revenue / per_customer.order_count, 2)
            end as {{ type_money() }}
        ) as average_order_value,
        {{ elapsed_whole_days('per_customer.first_purchase_at', 'per_customer.last_purchase_at') }} as tenure_days,
        {{ elapsed_whole_days(
            'per_customer.last_purchase_at',
            'cast(reference_date.rfm_as_of as ' ~ dbt.type_timestamp() ~ ')'
        ) }} as days_since_last_purchase
    from per_customer
    cross join reference_date
    left join latest_country
        on
            per_customer.customer_id = latest_country.customer_id
            and latest_country.recency_rank = 1
)

select * from final
