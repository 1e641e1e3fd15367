{{ config(
    materialized=incremental_or_table(),
    incremental_strategy='delete+insert',
    unique_key='month_end',
    on_schema_change='sync_all_columns',
    pre_hook="{{ forget_stale_history() }}",
    indexes=[{'columns': ['through_batch_id']}],
) }}
-- depends_on: {{ ref('int_invoice_lines_deduplicated') }}
-- Each customer's RFM scores as of each month end, from the purchases up to that day only,
-- scored with the same macro as `rfm_segments` (rfm_scored) against the customers of the
-- same month end. The reference date of month M is the first day of M + 1, so the last
-- month end of the data scores as `rfm_segments` does with that `rfm_as_of`.
-- Incremental by month: a run computes the month ends from the earliest month that lines of
-- newly loaded batches fall in (a late line re-scores every month after it) and keeps the
-- others. It starts again from nothing when the definitions change or a batch it was built
-- from is removed (pre-hook forget_stale_history).
with

customer_months as (
    select * from {{ ref('int_customer_months') }}
),

batches as (
    {{ computed_batches() }}
),

recompute_from as (
    {% if is_incremental() -%}
        -- The month of the earliest line of a batch loaded since the last run.
        select min(cast({{ dbt.date_trunc('month', 'invoiced_at') }} as date)) as month_start
        from {{ ref('int_invoice_lines_deduplicated') }}
        where batch_id > {{ held_batch_number() }}
    {%- else -%}
        select min(order_month) as month_start from customer_months
    {%- endif %}
),

months as (
    -- Every calendar month of the data, from the calendar.
    select distinct month_start from {{ ref('dim_dates') }}
),

month_ends as (
    select
        months.month_start,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'months.month_start')) }} as date) as month_end,
        cast({{ dbt.dateadd('month', 1, 'months.month_start') }} as date) as rfm_as_of
    from months
    cross join recompute_from
    where months.month_start >= recompute_from.month_start
),

cumulative as (
    -- Each customer's purchases up to the end of each month they had an order in.
    select
        customer_id,
        order_month,
        sum(purchase_count) over customer_to_date as purchase_count,
        sum(purchase_amount) over customer_to_date as purchase_amount,
        max(last_purchase_at) over customer_to_date as last_purchase_at,
        lead(order_month) over (partition by customer_id order by order_month) as next_order_month
    from customer_months
    window customer_to_date as (partition by customer_id order by order_month rows unbounded preceding)
),

measured as (
    -- A customer's standing at a month end is the one of their latest month with an order.
    select
        cumulative.customer_id,
        {{ elapsed_whole_days(
            'cumulative.last_purchase_at',
            'cast(month_ends.rfm_as_of as ' ~ dbt.type_timestamp() ~ ')'
        ) }} as recency_days,
        cast(cumulative.purchase_count as {{ dbt.type_int() }}) as frequency,
        cast(cumulative.purchase_amount as {{ type_money() }}) as monetary,
        cumulative.last_purchase_at,
        month_ends.rfm_as_of
    from cumulative
    inner join month_ends
        on
            cumulative.order_month <= month_ends.month_start
            and (cumulative.next_order_month is null or cumulative.next_order_month > month_ends.month_start)
    where cumulative.purchase_count > 0
),

{{ rfm_scored('measured') }},

final as (
    select
        month_ends.month_end,
        rfm_scored.rfm_as_of,
        rfm_scored.customer_id,
        rfm_scored.recency_days,
        rfm_scored.frequency,
        rfm_scored.monetary,
        rfm_scored.r_score,
        rfm_scored.f_score,
        rfm_scored.m_score,
        rfm_scored.rfm_code,
        rfm_scored.last_purchase_at,
        {{ bookkeeping_columns('batches') }}
    from rfm_scored
    inner join month_ends on rfm_scored.rfm_as_of = month_ends.rfm_as_of
    cross join batches
)

select * from final
