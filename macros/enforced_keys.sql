{#- `unique` and `not_null` tests of what the database already enforces.

    On PostgreSQL the marts' contracts are enforced: a mart's primary key and its columns'
    `not_null` constraints are part of its table, and a build whose rows break them fails
    as the table is filled, before any test runs. A `unique` or `not_null` test of such a
    column would only read the table again (at 10x, 41 s for `fct_sales`' key on a new day),
    so there it reads nothing. The same holds for a key that a model's config gives a unique
    index (the two line tables, `int_order_products`, `int_product_pairs`): the database
    refuses a build whose rows repeat it, as the index is built or as the rows are added to
    it. On DuckDB and Spark (these overrides are PostgreSQL's), and for every other column,
    the tests read the table as dbt's own do. -#}

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

{#- True on PostgreSQL when the tested model's table has a valid unique index on exactly
    `columns` (in any order), as its config declares. The table itself is asked: dbt makes a
    model's indexes when it creates the table, so a table from before the index was declared
    lacks it until a full refresh, and its test reads the rows meanwhile. -#}
{% macro enforced_by_unique_index(columns) -%}
    {%- set tested = tested_model() if target.type == 'postgres' else none -%}
    {%- if tested is none -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set declared = [] -%}
    {%- for index in tested.config.get('indexes') or [] if index.get('unique') and index.columns | sort == columns | sort -%}
        {%- do declared.append(index) -%}
    {%- endfor -%}
    {%- if not declared -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set relation = api.Relation.create(database=tested.database, schema=tested.schema, identifier=tested.alias) -%}
    {%- set found = run_query(
        "select count(*) from pg_index as i where i.indrelid = to_regclass('" ~ relation ~ "')"
        ~ " and i.indisunique and i.indisvalid and i.indpred is null and i.indexprs is null"
        ~ " and (select array_agg(a.attname::text order by a.attname::text) from pg_attribute as a"
        ~ " where a.attrelid = i.indrelid and a.attnum = any(i.indkey))"
        ~ " = array['" ~ columns | sort | join("', '") ~ "']") -%}
    {{ return(found.columns[0].values()[0] > 0) }}
{%- endmacro %}

{% macro postgres__test_unique(model, column_name) -%}
    {%- if enforced_by_contract(column_name, ['primary_key', 'unique']) or enforced_by_unique_index([column_name]) -%}
        -- {{ column_name }}: unique by the table's enforced contract or unique index; nothing to read.
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

{% macro postgres__test_unique_combination_of_columns(model, combination_of_columns, quote_columns=false) -%}
    {%- if enforced_by_unique_index(combination_of_columns) -%}
        -- {{ combination_of_columns | join(', ') }}: unique by the table's unique index; nothing to read.
        select {% for column in combination_of_columns %}null as {{ column }}{{ ', ' if not loop.last }}{% endfor %} where false
    {%- else -%}
        {{ dbt_utils.default__test_unique_combination_of_columns(model, combination_of_columns, quote_columns) }}
    {%- endif -%}
{%- endmacro %}
