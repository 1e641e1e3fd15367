{#- Linear-interpolated percentile of `expression` (an aggregate), as pandas' quantile: the
    SQL standard's ordered-set aggregate, which PostgreSQL, DuckDB and Spark (3.3+) all
    speak. Other engines add a `<adapter>__percentile_cont`. -#}
{% macro percentile_cont(expression, fraction) -%}
    {{ return(adapter.dispatch('percentile_cont')(expression, fraction)) }}
{%- endmacro %}

{% macro default__percentile_cont(expression, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expression }})
{%- endmacro %}
