{#- Pre-hook of a model that is incremental by month and holds business rules
    (`int_customers_rfm_history`): empty it, so the run computes every month again, when the
    definitions changed since it was built (macro definitions_fingerprint) or a batch it was
    built from is no longer live in raw (`lgs load --replace`, `lgs unload`): the months
    that batch touched are unknown once its lines are gone. -#}
{% macro forget_stale_history() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where exists (
            select 1
            from {{ this }} as held
            where held.definitions_hash <> '{{ definitions_fingerprint() }}'
        )
        or (
            select max(held.live_batch_count) from {{ this }} as held
        ) <> (
            select count(*)
            from {{ source('retail', 'load_batches') }} as batches
            where
                batches.status = 'loaded'
                and batches.batch_id <= (select max(held.through_batch_id) from {{ this }} as held)
        )
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
