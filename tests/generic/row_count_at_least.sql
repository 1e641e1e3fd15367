{#- Volume expectation: fails (one row saying how many it found) when the relation holds
    fewer than `min_rows` rows. Thresholds come from vars, so warn and error can differ. -#}
{% test row_count_at_least(model, min_rows) %}

with

counted as (
    select count(*) as row_count
    from {{ model }}
)

select
    row_count,
    {{ min_rows }} as min_rows_expected
from counted
where row_count < {{ min_rows }}

{% endtest %}
