-- R, F and M scores 1-5 per customer with a purchase, by the method in var `rfm_scoring`
-- (macro rfm_score). Recency is scored on the ordered values and reversed, so 5 = most
-- recent. As in the notebook, frequency is first replaced by its rank (ties by customer
-- id), so quantile edges never coincide on the many customers with one or two orders.
{%- set buckets = var('rfm_buckets') %}

with

customers as (
    select * from {{ ref('int_customers_summarised') }}
    where purchase_count > 0
),

measured as (
    select
        customer_id,
        days_since_last_purchase as recency_days,
        purchase_count as frequency,
        cast(purchase_revenue as {{ type_money() }}) as monetary,
        last_purchase_at,
        rfm_as_of,
        row_number() over (order by purchase_count, customer_id) as frequency_rank
    from customers
),

-- Quantile edges (used by `rfm_scoring: quantile`; a few cheap aggregates otherwise).
edges as (
    select
        {{ rfm_quantile_edges('recency_days', 'recency_edge') }},
        {{ rfm_quantile_edges('frequency_rank', 'frequency_edge') }},
        {{ rfm_quantile_edges('monetary', 'monetary_edge') }}
    from measured
),

with_edges as (
    select
        measured.*,
        edges.*
    from measured
    cross join edges
),

scored as (
    select
        customer_id,
        recency_days,
        frequency,
        monetary,
        last_purchase_at,
        rfm_as_of,
        {{ buckets + 1 }} - {{ rfm_score('recency_days', 'customer_id', 'recency_edge') }} as r_score,
        {{ rfm_score('frequency_rank', 'customer_id', 'frequency_edge') }} as f_score,
        {{ rfm_score('monetary', 'customer_id', 'monetary_edge') }} as m_score
    from with_edges
),

final as (
    select
        *,
        {{ dbt.concat([
            dbt.cast('r_score', dbt.type_string()),
            dbt.cast('f_score', dbt.type_string()),
            dbt.cast('m_score', dbt.type_string())
        ]) }} as rfm_code
    from scored
)

select * from final
