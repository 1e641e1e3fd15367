{#- ISO calendar parts (isoyear, week, isodow), whose spelling differs between engines. -#}
{% macro iso_date_part(part, date_expression) -%}
    {{ return(adapter.dispatch('iso_date_part')(part, date_expression)) }}
{%- endmacro %}

{% macro postgres__iso_date_part(part, date_expression) -%}
    cast(extract({{ part }} from {{ date_expression }}) as {{ dbt.type_int() }})
{%- endmacro %}

{% macro default__iso_date_part(part, date_expression) -%}
    {%- set spark_names = {'isoyear': 'year', 'week': 'weekofyear', 'isodow': 'dayofweek_iso'} -%}
    cast(extract({{ spark_names.get(part, part) }} from {{ date_expression }}) as {{ dbt.type_int() }})
{%- endmacro %}
