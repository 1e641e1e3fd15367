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

{% macro forget_changed_batches() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where (select build_fingerprint from {{ this }} limit 1) is distinct from '{{ build_fingerprint() }}'
            or batch_id >= (
                select min(held.batch_id)
                from (select distinct batch_id from {{ this }}) as held
                where not exists (
                    select 1 from {{ source('retail', 'load_batches') }} as live
                    where live.batch_id = held.batch_id and live.status = 'loaded'
                )
            )
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
