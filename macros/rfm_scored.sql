{#- The RFM scoring, once, for any number of reference dates: CTEs to put in a `with` after
    `measured`, a relation with one row per customer and reference date (customer_id,
    recency_days, frequency, monetary, last_purchase_at, rfm_as_of). The last CTE,
    `rfm_scored`, adds r_score, f_score, m_score and rfm_code. Customers are scored against
    the others of the same `rfm_as_of`: `int_customers_rfm_scored` has one reference date,
    `int_customers_rfm_history` one per month end. As in the notebook, frequency is first
    replaced by its rank (ties by customer id), so quantile edges never coincide on the many
    customers with one or two purchases; recency is scored on the ordered values and
    reversed, so 5 = most recent. -#}
{% macro rfm_scored(measured) -%}
    {%- set buckets = var('rfm_buckets') -%}
    rfm_ranked as (
        select
            customer_id,
            recency_days,
            frequency,
            monetary,
            last_purchase_at,
            rfm_as_of,
            row_number() over (partition by rfm_as_of order by frequency, customer_id) as frequency_rank
        from {{ measured }}
    ),

    rfm_edges as (
        -- Quantile edges per reference date (used by `rfm_scoring: quantile`).
        select
            rfm_as_of as edges_as_of,
            {{ rfm_quantile_edges('recency_days', 'recency_edge') }},
            {{ rfm_quantile_edges('frequency_rank', 'frequency_edge') }},
            {{ rfm_quantile_edges('monetary', 'monetary_edge') }}
        from rfm_ranked
        group by rfm_as_of
    ),

    rfm_with_edges as (
        select
            rfm_ranked.*,
            rfm_edges.*
        from rfm_ranked
        inner join rfm_edges on rfm_ranked.rfm_as_of = rfm_edges.edges_as_of
    ),

    rfm_scores as (
        select
            customer_id,
            recency_days,
            frequency,
            monetary,
            last_purchase_at,
            rfm_as_of,
            {{ buckets + 1 }} - {{ rfm_score('recency_days', 'customer_id', 'recency_edge', 'rfm_as_of') }} as r_score,
            {{ rfm_score('frequency_rank', 'customer_id', 'frequency_edge', 'rfm_as_of') }} as f_score,
            {{ rfm_score('monetary', 'customer_id', 'monetary_edge', 'rfm_as_of') }} as m_score
        from rfm_with_edges
    ),

    rfm_scored as (
        select
            *,
            {{ dbt.concat([
                dbt.cast('r_score', dbt.type_string()),
                dbt.cast('f_score', dbt.type_string()),
                dbt.cast('m_score', dbt.type_string())
            ]) }} as rfm_code
        from rfm_scores
    )
{%- endmacro %}
