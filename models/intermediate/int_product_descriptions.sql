{{ config(
    materialized=incremental_or_table(),
    incremental_strategy='delete+insert',
    unique_key='stock_code',
    on_schema_change='sync_all_columns',
    pre_hook="{{ forget_stale_history() }}",
    indexes=[{'columns': ['stock_code']}, {'columns': ['through_batch_id']}, {'columns': ['build_number']}],
) }}
-- One row per stock code and description it was invoiced under (lines without a description
-- as a group of their own): how often and when it was used, and the sale and price figures
-- of those lines, every one a count, sum, minimum or maximum. `dim_products` rolls them up
-- per code and picks the current description.
-- Incremental by addition: the deduplicated lines only ever grow (by load batch), and each
-- figure of old and new lines together is the sum, minimum or maximum of the two, so a run
-- folds the lines added since the last one into the rows of the codes they name, and keeps
-- the others. It starts again from nothing (pre-hook forget_stale_history) when the
-- definitions change or a batch it was built from is no longer live.
with

invoice_lines as (
    select
        stock_code,
        description,
        invoiced_at,
        is_product,
        is_sale,
        is_priced_sale,
        unit_price,
        quantity,
        line_amount
    from {{ ref('int_invoice_lines_deduplicated') }}
    {% if is_incremental() -%}
        where through_batch_id > {{ held_batch_number() }}
    {%- endif %}
),

batches as (
    -- What the rows are computed from: the deduplicated lines' latest bookkeeping.
    {{ latest_bookkeeping(ref('int_invoice_lines_deduplicated')) }}
),

added as (
    select
        stock_code,
        description,
        count(*) as times_used,
        max(invoiced_at) as last_used_at,
        max(case when is_product then 1 else 0 end) as is_product_flag,
        min(case when is_priced_sale then unit_price end) as min_unit_price,
        max(case when is_priced_sale then unit_price end) as max_unit_price,
        sum(case when is_priced_sale then unit_price end) as priced_sale_price_sum,
        count(case when is_priced_sale then 1 end) as priced_sale_line_count,
        min(case when is_sale then invoiced_at end) as first_sold_at,
        max(case when is_sale then invoiced_at end) as last_sold_at,
        count(case when is_sale then 1 end) as sale_line_count,
        sum(case when is_sale then quantity else 0 end) as units_sold,
        sum(case when is_sale then line_amount else 0 end) as gross_revenue
    from invoice_lines
    group by stock_code, description
),

{% if is_incremental() -%}
    figures as (
        -- The added lines' figures and those held for the same codes, folded together.
        select
            stock_code,
            description,
            sum(times_used) as times_used,
            max(last_used_at) as last_used_at,
            {{ folded_product_figures() }}
        from (
            select * from added
            union all
            select
                held.stock_code,
                held.description,
                held.times_used,
                held.last_used_at,
                held.is_product_flag,
                held.min_unit_price,
                held.max_unit_price,
                held.priced_sale_price_sum,
                held.priced_sale_line_count,
                held.first_sold_at,
                held.last_sold_at,
                held.sale_line_count,
                held.units_sold,
                held.gross_revenue
            from {{ this }} as held
            where held.stock_code in (select added.stock_code from added)
        ) as both_parts
        group by stock_code, description
    ),
{%- else -%}
    figures as (
        select * from added
    ),
{%- endif %}

final as (
    select
        figures.stock_code,
        figures.description,
        cast(figures.times_used as {{ dbt.type_bigint() }}) as times_used,
        figures.last_used_at,
        cast(figures.is_product_flag as {{ dbt.type_int() }}) as is_product_flag,
        cast(figures.min_unit_price as {{ type_money() }}) as min_unit_price,
        cast(figures.max_unit_price as {{ type_money() }}) as max_unit_price,
        cast(figures.priced_sale_price_sum as {{ type_money() }}) as priced_sale_price_sum,
        cast(figures.priced_sale_line_count as {{ dbt.type_bigint() }}) as priced_sale_line_count,
        figures.first_sold_at,
        figures.last_sold_at,
        cast(figures.sale_line_count as {{ dbt.type_bigint() }}) as sale_line_count,
        cast(figures.units_sold as {{ dbt.type_bigint() }}) as units_sold,
        cast(figures.gross_revenue as {{ type_money() }}) as gross_revenue,
        {{ bookkeeping_columns('batches') }}
    from figures
    cross join batches
)

select * from final
