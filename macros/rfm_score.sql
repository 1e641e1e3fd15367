{#- Score `value_column` into var('rfm_buckets') buckets (1 = lowest values), by the
    method in var('rfm_scoring'):
    - ntile: NTILE over the values, ties broken by `tiebreak_column` (deterministic);
    - quantile: pandas qcut — edges at linear-interpolated percentiles, bins closed on the
      right, the lowest bin holding the minimum; tied values share a bin. The edges come
      from `edges_relation`, one row with columns edge_1 .. edge_<buckets - 1>
      (see rfm_quantile_edges).
    Values are scored against the others of the same `partition_column` (the reference date). -#}
{% macro rfm_score(value_column, tiebreak_column, edges_prefix, partition_column) -%}
    {%- set buckets = var('rfm_buckets') -%}
    {%- if var('rfm_scoring') == 'ntile' -%}
        cast(ntile({{ buckets }}) over (partition by {{ partition_column }} order by {{ value_column }}, {{ tiebreak_column }}) as {{ dbt.type_int() }})
    {%- elif var('rfm_scoring') == 'quantile' -%}
        cast(1
        {%- for i in range(1, buckets) %}
            + case when {{ value_column }} > {{ edges_prefix }}_{{ i }} then 1 else 0 end
        {%- endfor %} as {{ dbt.type_int() }})
    {%- else -%}
        {{ exceptions.raise_compiler_error("var rfm_scoring must be 'ntile' or 'quantile', got '" ~ var('rfm_scoring') ~ "'") }}
    {%- endif -%}
{%- endmacro %}
