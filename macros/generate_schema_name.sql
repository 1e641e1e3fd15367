{#- Use a model's custom schema exactly as named (staging, intermediate), not dbt's default
    `<target schema>_<custom>`: analysts write `marts.rfm_segments` on any target. The
    marts are built in `marts_build` and published to `marts` (see `publish_marts`).
    Models without a custom schema go to the target schema. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- elif custom_schema_name | trim == 'marts' -%}
        {{ marts_schema(published=false) }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
