{{ config(
    materialized=incremental_or_table(),
    incremental_strategy='delete+insert',
    unique_key='invoice_id',
    on_schema_change='sync_all_columns',
    pre_hook="{{ forget_stale_history() }}",
    indexes=[{'columns': ['through_batch_id']}],
) }}
-- One row per invoice (an order): the one definition of an order's type, whether it counts
-- as placed, cancelled or a purchase, its customer or guest, its time and its amounts.
-- Every mart that counts orders, purchases or customers builds on this model.
-- Incremental by invoice: a run computes again, from all their lines, the invoices that
-- lines added since the last run belong to (a late line of an older invoice included), and
-- keeps the others. It starts again from nothing (pre-hook forget_stale_history) when the
-- definitions change or a batch it was built from is no longer live.
with

{% if is_incremental() -%}
    touched as (
        -- The invoices of the lines added since the last run.
        select distinct invoice_id
        from {{ ref('int_invoice_lines_deduplicated') }}
        where through_batch_id > {{ held_batch_number() }}
    ),
{%- endif %}

invoice_lines as (
    select * from {{ ref('int_invoice_lines_deduplicated') }}
    {% if is_incremental() -%}
        where invoice_id in (select touched.invoice_id from touched)
    {%- endif %}
),

batches as (
    -- What the lines are computed from: the deduplicated lines' latest bookkeeping.
    {{ latest_bookkeeping(ref('int_invoice_lines_deduplicated')) }}
),

per_invoice as (
    select
        invoice_id,
        min(invoiced_at) as invoiced_at,
        max(customer_id) as customer_id,
        max(country) as country,
        count(*) as line_count,
        sum(quantity) as item_count,
        max(case when is_cancellation then 1 else 0 end) as has_cancellation_line,
        max(case when line_type = 'adjustment' then 1 else 0 end) as has_adjustment_line,
        max(case when is_sale then 1 else 0 end) as has_sale_line,
        max(case when is_priced_sale then 1 else 0 end) as has_priced_sale_line,
        sum(case when is_sale then line_amount else 0 end) as gross_amount,
        sum(case when is_cancellation then line_amount else 0 end) as cancelled_amount,
        sum(line_amount) as net_amount,
        sum(case when is_priced_sale then line_amount else 0 end) as priced_sale_amount
    from invoice_lines
    group by invoice_id
),

typed as (
    select
        *,
        -- Line types follow the invoice prefix, so an invoice's lines agree on C and A.
        case
            when has_cancellation_line = 1 then 'cancellation'
            when has_adjustment_line = 1 then 'adjustment'
            when has_sale_line = 1 then 'sale'
            else 'stock_adjustment'
        end as order_type
    from per_invoice
),

classified as (
    select
        typed.*,
        {{ is_placed_order('typed.order_type') }} as is_placed,
        typed.order_type = 'cancellation' as is_cancelled,
        typed.customer_id is null as is_guest,
        batches.through_batch_id,
        batches.live_batch_count
    from typed
    cross join batches
),

final as (
    select
        invoice_id,
        invoiced_at,
        cast(invoiced_at as date) as invoice_date,
        cast({{ dbt.date_trunc('month', 'invoiced_at') }} as date) as order_month,
        customer_id,
        is_guest,
        country,
        order_type,
        is_placed,
        is_cancelled,
        -- A purchase: a placed order of an identified customer with a sale line at a positive price.
        is_placed and not is_guest and has_priced_sale_line = 1 as is_purchase,
        line_count,
        item_count,
        gross_amount,
        cancelled_amount,
        net_amount,
        case
            when is_placed and not is_guest and has_priced_sale_line = 1 then priced_sale_amount
        end as purchase_amount,
        {{ bookkeeping_columns('classified') }}
    from classified
)

select * from final
