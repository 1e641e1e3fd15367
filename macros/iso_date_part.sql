{#- ISO calendar parts (isoyear, week, isodow), whose spelling differs between engines. -#}
{% macro iso_date_part(part, date_expression) -%}
    {{ return(adapter.dispatch('iso_date_part')(part, date_expression)) }}
{%- endmacro %}

{#- PostgreSQL and DuckDB share the spelling. -#}
{% macro default__iso_date_part(part, date_expression) -%}
    cast(extract({{ part }} from {{ date_expression }}) as {{ dbt.type_int() }})
{%- endmacro %}

{% macro spark__iso_date_part(part, date_expression) -%}
    {%- set spark_names = {'isoyear': 'yearofweek', 'week': 'week', 'isodow': 'dayofweek_iso'} -%}
    cast(extract({{ spark_names[part] }} from {{ date_expression }}) as {{ dbt.type_int() }})
{%- endmacro %}
