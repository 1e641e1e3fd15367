{#- dbt_utils.accepted_range, same name and arguments (dbt-utils is not installable here):
    fails on rows whose value lies outside [min_value, max_value]. -#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}

with

checked as (
    select {{ column_name }} as value_checked
    from {{ model }}
    where {{ column_name }} is not null
),

failures as (
    select *
    from checked
    where
        1 = 2
        {%- if min_value is not none %}
            or value_checked {{ "<" if inclusive else "<=" }} {{ min_value }}
        {%- endif %}
        {%- if max_value is not none %}
            or value_checked {{ ">" if inclusive else ">=" }} {{ max_value }}
        {%- endif %}
)

select * from failures

{% endtest %}
