{%- set added_columns = ['source_sheet', 'source_row', 'build_number'] -%}
{#- A full build ranks every line while nothing else can run yet. On PostgreSQL the ranking
    may then use parallel workers, which the planner's default costs rule out (in a build, 2.2
    s against 3.2 s, bench/history.md); set for this model's transaction only, as elsewhere in a
    build the other core is busy. An incremental run ranks a day's lines with the defaults. -#}
{{ config(
    materialized=incremental_or_table(),
    on_schema_change='sync_all_columns',
    pre_hook=["{{ forget_batches_after_removed(" ~ added_columns ~ ") }}"]
        + (["{% if not is_incremental() %}set local parallel_setup_cost = 10;"
            ~ " set local parallel_tuple_cost = 0.001{% endif %}"] if target.type == 'postgres' else []),
    indexes=[
        {'columns': ['invoice_line_id'], 'unique': True}, {'columns': ['batch_id']}, {'columns': ['duplicate_key']},
    ]
        + ([{'columns': ['build_number'], 'type': 'brin'}] if target.type == 'postgres' else []),
) }}
-- Each line's place among the lines equal to it in every source column, in load order
-- (batch, sheet, row): 1 for the original, 2 and up for the copies. Only what the load
-- order decides is kept here, none of the business rules, so a changed rule never leaves
-- stale rows behind. Incremental by load batch: a run ranks the batches loaded since the
-- last one against the lines already ranked; when a batch is removed from raw (`lgs load
-- --replace`), the pre-hook forgets it and every later batch, which this run then ranks again.
-- Each line carries the number of the build that ranked it, so its data tests read only the
-- lines ranked since the last passed build. Its key is a unique index: the database refuses
-- a repeated line id as the table is built or added to, so the key's `unique` test reads
-- nothing (macros/enforced_keys.sql).

with

new_lines as (
    select
        invoice_line_id,
        duplicate_key,
        batch_id,
        source_sheet,
        source_row
    from {{ ref('stg_retail__invoice_lines') }}
    {% if is_incremental() -%}
        -- The highest batch already ranked (after the pre-hook): this run ranks those above it.
        where batch_id > {{ kept_batch_number(added_columns) }}
    {%- endif %}
),

earlier_copies as (
    -- Copies of a new line ranked by earlier runs: how many, and the original among them.
    {% if is_incremental() -%}
        select
            duplicate_key,
            count(*) as copies,
            min(original_invoice_line_id) as original_invoice_line_id
        from {{ this }}
        where duplicate_key in (select new_lines.duplicate_key from new_lines)
        group by duplicate_key
    {%- else -%}
        select
            cast(null as {{ dbt.type_string() }}) as duplicate_key,
            cast(0 as {{ dbt.type_bigint() }}) as copies,
            cast(null as {{ dbt.type_string() }}) as original_invoice_line_id
        where 1 = 0
    {%- endif %}
),

final as (
    select
        new_lines.invoice_line_id,
        new_lines.duplicate_key,
        new_lines.batch_id,
        new_lines.source_sheet,
        new_lines.source_row,
        coalesce(earlier_copies.copies, 0) + row_number() over duplicate_group as duplicate_rank,
        coalesce(
            earlier_copies.original_invoice_line_id, first_value(new_lines.invoice_line_id) over duplicate_group
        ) as original_invoice_line_id,
        -- The build that ranked the line: its data tests read the lines no passed build has
        -- checked (macros/checked_rows.sql).
        {{ this_build_number() }} as build_number
    from new_lines
    left join earlier_copies on new_lines.duplicate_key = earlier_copies.duplicate_key
    window duplicate_group as (
        partition by new_lines.duplicate_key
        order by new_lines.batch_id, new_lines.source_sheet, new_lines.source_row
    )
)

select * from final
