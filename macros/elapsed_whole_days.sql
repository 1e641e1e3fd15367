{#- Whole days elapsed between two timestamps, rounded down, as Python's timedelta.days:
    23:00 on the 8th to 00:00 on the 10th is 1 day, not the 2 calendar days that
    datediff('day') counts. -#}
{% macro elapsed_whole_days(start_timestamp, end_timestamp) -%}
    cast(floor({{ dbt.datediff(start_timestamp, end_timestamp, 'second') }} / 86400.0) as {{ dbt.type_int() }})
{%- endmacro %}
