{#- Pre-hook of a model that is incremental by load batch: when a batch it holds is no longer
    live in raw (`lgs load --replace`, `lgs unload`), delete that batch and every later one, so
    the run (which adds the batches above the model's highest) computes them again. Later
    batches go too because a line's rank depends on the lines loaded before it. A table ranked
    by an earlier version of the project, without all of `columns`, is emptied: dbt then adds
    the columns (on_schema_change `sync_all_columns`) and the run ranks every line again. -#}
{% macro forget_batches_after_removed(columns=[]) -%}
    {%- if is_incremental() and columns | reject('in', adapter.get_columns_in_relation(this)
                                                      | map(attribute='name') | map('lower') | list) | list -%}
        delete from {{ this }}
    {%- elif is_incremental() -%}
        delete from {{ this }}
        where batch_id >= (
            select min(held.batch_id)
            from {{ this }} as held
            where not exists (
                select 1 from {{ source('retail', 'load_batches') }} as live
                where live.batch_id = held.batch_id and live.status = 'loaded'
            )
        )
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
