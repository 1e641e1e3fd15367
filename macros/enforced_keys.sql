{#- `unique` and `not_null` tests of what the database already enforces.

    On PostgreSQL the marts' contracts are enforced: a mart's primary key and its columns'
    `not_null` constraints are part of its table, and a build whose rows break them fails
    as the table is filled, before any test runs. A `unique` or `not_null` test of such a
    column would only read the table again (at 10x, 41 s for `fct_sales`' key on a new day),
    so there it reads nothing. On DuckDB and Spark, where the contracts are not enforced,
    and for every other column, the tests read the table as dbt's own do. -#}

{#- True when the tested model's enforced contract gives `column_name` one of `kinds`:
    a column constraint of that type, or a model-level one on exactly that column (for
    `not_null`, any primary key that includes the column). -#}
{% macro enforced_by_contract(column_name, kinds) -%}
    {%- set tested = tested_model() if target.type == 'postgres' else none -%}
    {%- if tested is none or not tested.config.get('contract', {}).get('enforced') -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set column = tested.get('columns', {}).get(column_name) -%}
    {%- for constraint in (column.get('constraints', []) if column else []) if constraint.type in kinds -%}
        {{ return(true) }}
    {%- endfor -%}
    {%- for constraint in tested.get('constraints', []) if constraint.type in kinds -%}
        {%- if constraint.columns == [column_name]
              or (constraint.type == 'primary_key' and 'not_null' in kinds and column_name in constraint.columns) -%}
            {{ return(true) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(false) }}
{%- endmacro %}

{% macro postgres__test_unique(model, column_name) -%}
    {%- if enforced_by_contract(column_name, ['primary_key', 'unique']) -%}
        -- {{ column_name }}: unique by the table's enforced contract; nothing to read.
        select null as unique_field, 0 as n_records where false
    {%- else -%}
        {{ dbt.default__test_unique(model, column_name) }}
    {%- endif -%}
{%- endmacro %}

{% macro postgres__test_not_null(model, column_name) -%}
    {%- if enforced_by_contract(column_name, ['primary_key', 'not_null']) -%}
        -- {{ column_name }}: not null by the table's enforced contract; nothing to read.
        select null as {{ column_name }} where false
    {%- else -%}
        {{ dbt.default__test_not_null(model, column_name) }}
    {%- endif -%}
{%- endmacro %}
