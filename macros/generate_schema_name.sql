{#- Schemas follow the target, as dbt's own default does:
    - prod (what `lgs build` runs): the layer names themselves, `staging`, `intermediate`,
      `marts`, so analysts write `marts.rfm_segments`. With var `publish_marts` (default) the
      marts are built and tested in `marts_build` and published to `marts` at the end of the
      run (macro publish_marts);
    - any other target (dev, ci): `<target schema>_<layer>`, e.g. `dev_alice_marts`, so a
      developer's or CI's build never touches what analysts read. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set layer = (custom_schema_name or target.schema) | trim -%}
    {%- if target.name != 'prod' -%}
        {{ default__generate_schema_name(custom_schema_name, node) }}
    {%- elif layer == 'marts' and var('publish_marts') -%}
        marts_build
    {%- else -%}
        {{ layer }}
    {%- endif -%}
{%- endmacro %}
