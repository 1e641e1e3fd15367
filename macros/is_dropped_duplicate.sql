{#- The duplicate rule: a line is left out of the marts when it repeats an earlier line in
    every source column (`duplicate_rank` > 1) and var `dedupe_exact_duplicates` is true. -#}
{% macro is_dropped_duplicate(duplicate_rank_column) -%}
    ({{ var('dedupe_exact_duplicates') }} and {{ duplicate_rank_column }} > 1)
{%- endmacro %}
