{#- The inner bin edges for quantile scoring of `value_column`: percentile_cont at
    1/buckets, 2/buckets, ... named <prefix>_1 .. <prefix>_<buckets - 1>. -#}
{% macro rfm_quantile_edges(value_column, prefix) -%}
    {%- set buckets = var('rfm_buckets') -%}
    {%- for i in range(1, buckets) %}
        {{ percentile_cont(value_column, (i / buckets) | round(6)) }} as {{ prefix }}_{{ i }}{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}
