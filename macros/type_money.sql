{#- The one type for money in the marts: exact, with the three decimals the source uses
    (some prices are 0.001). -#}
{% macro type_money() -%}
    numeric(18, 3)
{%- endmacro %}
