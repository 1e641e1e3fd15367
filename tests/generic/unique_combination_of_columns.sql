{#- dbt_utils.unique_combination_of_columns, same name and arguments: fails on each
    combination of the columns that occurs more than once. -#}
{% test unique_combination_of_columns(model, combination_of_columns, quote_columns=false) %}

{%- set columns = [] -%}
{%- for column in combination_of_columns -%}
    {%- do columns.append(adapter.quote(column) if quote_columns else column) -%}
{%- endfor -%}

with

grouped as (
    select
        {{ columns | join(', ') }},
        count(*) as occurrences
    from {{ model }}
    group by {{ columns | join(', ') }}
)

select *
from grouped
where occurrences > 1

{% endtest %}
