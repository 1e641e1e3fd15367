{#- dbt's type_float is `float`: double precision on PostgreSQL but 4 bytes (7 digits) on DuckDB
    and Spark, too coarse for rates compared to 1e-9 across engines. Here it is 8 bytes on
    every engine (found first through the project's dispatch search order). -#}
{% macro duckdb__type_float() -%}
    double
{%- endmacro %}

{% macro spark__type_float() -%}
    double
{%- endmacro %}
