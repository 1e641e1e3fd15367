{#- The type for percentages and means shown to analysts: exact, two decimals. -#}
{% macro type_ratio() -%}
    numeric(18, 2)
{%- endmacro %}
