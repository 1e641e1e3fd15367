{#- Data tests that read only the rows no passed build has checked yet.

    The incremental models (`int_invoice_lines_ranked`, which holds the load order only, and
    those that hold business rules: `int_invoice_lines_deduplicated`,
    `int_orders`, `int_order_products`, `int_customer_products`,
    `int_customers_rfm_history`, `int_product_descriptions`, `int_product_pairs`,
    `int_customer_recommendation_picks`) stamp each row they
    compute with `build_number`: one more than the last passed build (the mart
    `passed_builds`, which a build adds a row to only when every test of these models and of
    `fct_sales` passed, and which is published with the other marts). `fct_sales` is rebuilt
    every run, but each of its rows is a deduplicated line as that model computed it, with
    its number, so the same holds for it. A row whose number is not above the last
    passed build's was computed by a build whose tests all passed on it, and has not changed
    since (a changed definition or a removed batch empties the model, and every row is
    computed again with a new number). So the data tests of a model with
    `meta: {tests_read: unchecked_rows}` read only the rows above that number: after a new day
    that is the day's rows, after a full refresh or a failed build every row still unchecked.
    The staged lines (a view of raw, `meta: {tests_read: unchecked_batches}`) are read only in
    the load batches above the one the last passed build computed through: a loaded batch
    never changes. (A batch loaded while a build runs, after the view's tests and before the
    lines are ranked, is computed by that build untested here; the ranked lines' tests, reading
    every line ranked since the last passed build, still test its key.)
    Reconciliations (singular tests) and the tests of every other model read everything. -#}

{#- The published `passed_builds` (on prod and duckdb in `marts`; on other targets in the
    marts' own schema), or none: before the first passed build, at parse time, and on Spark,
    whose incremental models are rebuilt whole on every run (every row is new there). -#}
{% macro published_passed_builds() -%}
    {%- if not execute or target.type == 'spark' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set schema = 'marts' if is_warehouse_target() else generate_schema_name('marts') -%}
    {{ return(adapter.get_relation(database=target.database, schema=schema, identifier='passed_builds')) }}
{%- endmacro %}

{#- The number of the last passed build, 0 when there is none: a number in the SQL, so the
    planner sees how few rows lie above it (an index on `build_number` then serves the tests). -#}
{% macro last_passed_build() -%}
    {%- set published = published_passed_builds() -%}
    {%- if published is none -%}
        {{ return(0) }}
    {%- endif -%}
    {%- set found = run_query('select coalesce(max(build_number), 0) from ' ~ published) -%}
    {{ return(found.columns[0].values()[0] | int) }}
{%- endmacro %}

{#- The highest load batch the last passed build computed through, 0 when there is none. -#}
{% macro last_passed_through_batch() -%}
    {%- set published = published_passed_builds() -%}
    {%- if published is none -%}
        {{ return(0) }}
    {%- endif -%}
    {%- set found = run_query('select coalesce(max(through_batch_id), 0) from ' ~ published
                              ~ ' where build_number = (select max(build_number) from ' ~ published ~ ')') -%}
    {{ return(found.columns[0].values()[0] | int) }}
{%- endmacro %}

{#- The `build_number` a model stamps on the rows this build computes. -#}
{% macro this_build_number() -%}
    cast({{ last_passed_build() + 1 }} as {{ dbt.type_bigint() }})
{%- endmacro %}

{#- The model a generic data test tests (its graph node), or none: at parse time, and for
    a singular test. For macros that a test's SQL calls. -#}
{% macro tested_model() -%}
    {%- set test_node = context.get('model') -%}
    {%- if not execute or not test_node or not test_node.attached_node -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(graph.nodes.get(test_node.attached_node)) }}
{%- endmacro %}

{#- dbt's `where` for data tests, plus: the tests of a model whose meta says
    `tests_read: unchecked_rows` read its rows above the last passed build; `unchecked_batches`,
    its rows of the batches above the last passed build's. -#}
{% macro default__get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- if config.get('where') -%}
        {%- do conditions.append('(' ~ config.get('where') ~ ')') -%}
    {%- endif -%}
    {%- set tested = tested_model() -%}
    {%- if tested and tested.config.meta.get('tests_read') == 'unchecked_rows' -%}
        {%- do conditions.append('build_number > ' ~ last_passed_build()) -%}
    {%- elif tested and tested.config.meta.get('tests_read') == 'unchecked_batches' -%}
        {%- do conditions.append('batch_id > ' ~ last_passed_through_batch()) -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ conditions | join(' and ') ~ ') dbt_subquery') -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}
