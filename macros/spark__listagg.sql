{#- dbt-spark's listagg drops the order (it warns and uses collect_list, whose order Spark
    does not keep). Spark 4 has the standard `listagg ... within group (order by ...)`; this
    takes precedence over dbt-spark's through the project's dispatch search order. -#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- if limit_num -%}
        {{ exceptions.raise_compiler_error("listagg with a limit is not implemented for Spark in this project") }}
    {%- endif -%}
    listagg({{ measure }}, {{ delimiter_text }})
    {%- if order_by_clause %} within group ({{ order_by_clause }}){% endif %}
{%- endmacro %}
