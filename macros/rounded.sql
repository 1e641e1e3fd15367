{#- `expression` rounded to `digits` decimals, half away from zero, the same on every engine:
    DuckDB divides and averages decimals in double precision, where 1366.195 is 1366.19499...
    and would round down; as a decimal of 9 places it is exact again before rounding. -#}
{% macro rounded(expression, digits) -%}
    round(cast({{ expression }} as decimal(38, 9)), {{ digits }})
{%- endmacro %}
