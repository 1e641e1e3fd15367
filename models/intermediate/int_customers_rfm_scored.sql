-- R, F and M scores 1-5 per customer by the method in var `rfm_scoring` (macro rfm_score).
-- Recency is scored on the ordered values and reversed, so 5 = most recent.
-- As in the notebook, frequency is first replaced by its rank (ties by customer id), so
-- quantile edges never coincide on the many customers with one or two orders.
{%- set buckets = var('rfm_buckets') %}

with

measured as (
    select * from {{ ref('int_customers_rfm_measured') }}
),

ranked as (
    select
        *,
        row_number() over (order by frequency, customer_id) as frequency_rank
    from measured
),

-- Quantile edges (used by `rfm_scoring: quantile`; a few cheap aggregates otherwise).
edges as (
    select
        {{ rfm_quantile_edges('recency_days', 'recency_edge') }},
        {{ rfm_quantile_edges('frequency_rank', 'frequency_edge') }},
        {{ rfm_quantile_edges('monetary', 'monetary_edge') }}
    from ranked
),

with_edges as (
    select
        ranked.*,
        edges.*
    from ranked
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
