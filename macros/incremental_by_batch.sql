{#- Incremental models keyed on load batches (see docs/overview.md, "Incremental refresh").
    Batch ids only grow, and everything a line's row depends on comes from lines loaded
    before it, so:
    - a run processes only batches above the model's watermark (its highest batch id);
    - when a batch the model holds is no longer live in raw (`lgs load --replace`), the
      model forgets that batch and every later one, and recomputes them;
    - when the build rules or the code of an incremental model change, its fingerprint no
      longer matches and the model recomputes everything. -#}

{% macro build_fingerprint() -%}
    {%- set parts = [] -%}
    {%- for name in ['non_product_stock_codes', 'non_product_stock_code_prefixes', 'dedupe_exact_duplicates',
                     'unknown_customer_id'] -%}
        {%- do parts.append(name ~ '=' ~ tojson(var(name))) -%}
    {%- endfor -%}
    {%- if execute -%}
        {%- for node in graph.get('nodes', {}).values() | selectattr('resource_type', 'equalto', 'model') | sort(attribute='name') -%}
            {%- if node.config.materialized == 'incremental' or node.name == 'int_invoice_lines_deduplicated' -%}
                {%- do parts.append(node.name ~ ':' ~ node.raw_code) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(local_md5(parts | join('\n'))) }}
{%- endmacro %}

{% macro batch_watermark() -%}
    (select coalesce(max(batch_id), 0) from {{ this }})
{%- endmacro %}

{#- The first batch `relation` must forget, and every later one with it: all of them when its
    build fingerprint is not `fingerprint`, else the first batch it holds that `is_live` (a
    condition on `held.batch_id`) says is gone. None when nothing is to be forgotten. Run as
    its own query so the DELETE that follows has a plain `batch_id >=` bound its index serves;
    the batches held are listed one index probe each (a loose index scan). -#}
{% macro first_changed_batch(relation, fingerprint, is_live) -%}
    {%- set query -%}
        with recursive held (batch_id) as (
            select min(batch_id) from {{ relation }}
            union all
            select (select min(later.batch_id) from {{ relation }} as later where later.batch_id > held.batch_id)
            from held
            where held.batch_id is not null
        )
        select
            case
                when (select build_fingerprint from {{ relation }} limit 1) is distinct from {{ fingerprint }}
                    then (select min(batch_id) from {{ relation }})
                else (select min(held.batch_id) from held where held.batch_id is not null and not ({{ is_live }}))
            end
    {%- endset -%}
    {{ return(run_query(query).columns[0].values()[0]) }}
{%- endmacro %}

{% macro forget_changed_batches() -%}
    {%- set first = none -%}
    {%- if execute and is_incremental() -%}
        {%- set live -%}
            exists (
                select 1 from {{ source('retail', 'load_batches') }} as live
                where live.batch_id = held.batch_id and live.status = 'loaded'
            )
        {%- endset -%}
        {%- set first = first_changed_batch(this, "'" ~ build_fingerprint() ~ "'", live) -%}
    {%- endif -%}
    {%- if first is not none -%}
        delete from {{ this }} where batch_id >= {{ first }}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
