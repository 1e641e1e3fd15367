{#- Pre-hook of a model that is incremental by load batch: when a batch it holds is no longer
    live in raw (`lgs load --replace`, `lgs unload`), delete that batch and every later one, so
    the run (which adds the batches above the model's highest) computes them again. Later
    batches go too because a line's rank depends on the lines loaded before it. A table ranked
    by an earlier version of the project, without all of `columns`, is emptied: dbt then adds
    the columns (on_schema_change `sync_all_columns`) and the run ranks every line again. -#}
{% macro forget_batches_after_removed(columns=[]) -%}
    {%- if is_incremental() and lacks_columns(columns) -%}
        delete from {{ this }}
    {%- elif is_incremental() -%}
        delete from {{ this }}
        where batch_id >= {{ first_removed_batch() }}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{#- Whether a relation (by default the model being built, `this`) lacks one of `columns`
    (lower case). -#}
{% macro lacks_columns(columns, relation=none) -%}
    {%- set held = adapter.get_columns_in_relation(relation or this) | map(attribute='name') | map('lower') | list -%}
    {{ return(columns | reject('in', held) | list | length > 0) }}
{%- endmacro %}

{#- The lowest batch the model holds that is no longer live in raw (a scalar subquery, NULL
    when every batch it holds is live). -#}
{% macro first_removed_batch() -%}
    (
        select min(held.batch_id)
        from {{ this }} as held
        where not exists (
            select 1 from {{ source('retail', 'load_batches') }} as live
            where live.batch_id = held.batch_id and live.status = 'loaded'
        )
    )
{%- endmacro %}

{#- The highest batch the model holds once forget_batches_after_removed(columns) has run, as a
    number read when its SQL is compiled (just before the hook runs): 0 when the hook will
    empty it. A number, not a subquery, so the planner reads only the raw partitions of the
    batches above it (one per batch on PostgreSQL), instead of every raw line. -#}
{% macro kept_batch_number(columns=[]) -%}
    {%- if not execute or not is_incremental() or lacks_columns(columns) -%}
        {{ return(0) }}
    {%- endif -%}
    {%- set found = run_query(
        'select coalesce(case when removed.batch_id is null then (select max(held.batch_id) from ' ~ this ~ ' as held)'
        ~ ' else (select max(held.batch_id) from ' ~ this ~ ' as held where held.batch_id < removed.batch_id) end, 0)'
        ~ ' from (select ' ~ first_removed_batch() ~ ' as batch_id) as removed') -%}
    {{ return(found.columns[0].values()[0] | int) }}
{%- endmacro %}
