{#- Its data tests read the lines above the last passed build. A day's lines come last in the
    deduplicated lines, so last here too: a block-range (BRIN) index finds them without
    reading ten million lines, and costs a fraction of a B-tree to build. On PostgreSQL a run
    computes only the lines above the published ones and the publish appends them
    (materialization published_increment, which also analyses what it wrote at once: without
    statistics the planner guesses that a third of the lines are new, and the tests read them
    all); a changed rule or a removed batch builds it whole. A customer's lines of a product
    are found by a B-tree on both: `assert_recommendations_are_not_yet_bought` looks up each
    recommendation there (0.45 s at 10x, against 3.0 s reading every line; the index takes 5 s
    to build with the table), as an analyst looking at one customer would. -#}
{{ config(
    materialized='published_increment' if target.type == 'postgres' else 'table',
    restarts_with='int_invoice_lines_deduplicated',
    indexes=[
        {'columns': ['build_number'], 'type': 'brin'},
        {'columns': ['customer_id', 'stock_code']},
    ] if target.type == 'postgres' else [],
) }}
-- One row per invoice line kept: what was sold, cancelled or adjusted, to whom, when and
-- for how much. Guest lines carry the unknown-customer key. Each row is its deduplicated
-- line as computed then (with that build's number), so its data tests read only the lines no
-- passed build has checked (macros/checked_rows.sql).
with

invoice_lines as (
    select * from {{ ref('int_invoice_lines_deduplicated') }}
),

final as (
    select
        invoice_line_id,
        invoice_id,
        stock_code,
        cast(coalesce(customer_id, {{ var('unknown_customer_id') }}) as {{ dbt.type_int() }}) as customer_id,
        invoice_date,
        invoiced_at,
        country,
        quantity,
        cast(unit_price as {{ type_money() }}) as unit_price,
        cast(line_amount as {{ type_money() }}) as line_amount,
        line_type,
        is_sale,
        is_cancellation,
        is_product,
        is_guest,
        is_exact_duplicate,
        batch_id,
        source_file,
        source_sheet,
        source_row,
        build_number
    from invoice_lines
)

select * from final
