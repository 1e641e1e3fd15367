-- One row per identified customer (any order with a customer number). Guest lines have no
-- row here: in the facts they carry the unknown-customer key.
with

customers as (
    select * from {{ ref('int_customers_summarised') }}
),

final as (
    select
        customer_id,
        country,
        first_seen_at,
        first_purchase_at,
        last_purchase_at,
        order_count,
        purchase_count,
        cancellation_count,
        gross_revenue,
        cancelled_revenue,
        net_revenue,
        purchase_revenue,
        cast(
            case
                when order_count > 0 then {{ rounded('gross_revenue / order_count', 2) }}
            end as {{ type_money() }}
        ) as average_order_value,
        {{ elapsed_whole_days('first_purchase_at', 'last_purchase_at') }} as tenure_days,
        days_since_last_purchase,
        rfm_as_of
    from customers
)

select * from final
