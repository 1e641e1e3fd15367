{#- Schemas follow the target, as dbt's own default does:
    - the warehouse targets, `prod` (PostgreSQL, what `lgs build` runs), `duckdb` and
      `spark`: the layer names themselves, `staging`, `intermediate`, `marts`, so analysts
      write `marts.rfm_segments`. With var `publish_marts` (default) the marts are built and
      tested in `marts_build` and published to `marts` at the end of the run (macro
      publish_marts); Spark has no transactions to publish with, so there the marts are
      built in place (the run says so);
    - any other target (dev, ci): `<target schema>_<layer>`, e.g. `dev_alice_marts`, so a
      developer's or CI's build never touches what analysts read. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set layer = (custom_schema_name or target.schema) | trim -%}
    {%- if not is_warehouse_target() -%}
        {{ default__generate_schema_name(custom_schema_name, node) }}
    {%- elif layer == 'marts' and var('publish_marts') and target.type != 'spark' -%}
        marts_build
    {%- else -%}
        {{ layer }}
    {%- endif -%}
{%- endmacro %}

{#- True on the targets analysts read from: prod (PostgreSQL), duckdb and spark. -#}
{% macro is_warehouse_target() -%}
    {{ return(target.name in ['prod', 'duckdb', 'spark']) }}
{%- endmacro %}
