-- depends_on: {{ ref('int_customer_recommendation_picks') }}
-- depends_on: {{ ref('int_customers_rfm_history') }}
-- depends_on: {{ ref('int_product_descriptions') }}
-- depends_on: {{ ref('fct_sales') }}
-- depends_on: {{ ref('dropped_duplicate_lines') }}
-- One row per build whose incremental models, `fct_sales` (whose rows are the deduplicated
-- lines with their build number) and `dropped_duplicate_lines` (the ranked lines the rule
-- leaves out) passed every data test: the builds before this one (as published) and this
-- one. A descendant of all of them (`int_invoice_lines_ranked` precedes
-- `int_invoice_lines_deduplicated`; `int_product_descriptions` follows it;
-- `int_customer_recommendation_picks` follows `int_customer_products` and `int_product_pairs`,
-- which follow `int_order_products`, which follows `int_orders`, which follows
-- `int_invoice_lines_deduplicated`: the five named above are enough), so `dbt build` skips
-- it when one of their tests fails, and the build adds no row;
-- on prod it is published with the other marts only when the whole build passed. The
-- incremental models stamp the rows they compute with the number this build gets
-- (`fct_sales` and `dropped_duplicate_lines` carry their lines' number), and their tests read
-- only rows above the last passed build (macros/checked_rows.sql). Each row also names the
-- marts published as increments that the build computed (`increment_models`): an empty
-- published one holds its rows through the last build naming it (macro
-- published_through_build).
{%- set published = published_passed_builds() %}
{%- set increment_models = [] %}
{%- for node in graph.nodes.values()
        if node.resource_type == 'model' and node.config.materialized == 'published_increment'
        and node.unique_id in selected_resources %}
    {%- do increment_models.append(node.name) %}
{%- endfor %}
with

earlier as (
    {% if published is not none -%}
        select
            build_number,
            built_at,
            through_batch_id,
            live_batch_count,
            dbt_invocation_id,
            {% if lacks_columns(['increment_models'], published) -%}
                cast(null as {{ dbt.type_string() }}) as increment_models
            {%- else -%}
                increment_models
            {%- endif %}
        from {{ published }}
    {%- else -%}
        select
            cast(null as {{ dbt.type_bigint() }}) as build_number,
            cast(null as {{ dbt.type_timestamp() }}) as built_at,
            cast(null as {{ dbt.type_bigint() }}) as through_batch_id,
            cast(null as {{ dbt.type_bigint() }}) as live_batch_count,
            cast(null as {{ dbt.type_string() }}) as dbt_invocation_id,
            cast(null as {{ dbt.type_string() }}) as increment_models
        where 1 = 0
    {%- endif %}
),

batches as (
    {{ computed_batches() }}
),

this_build as (
    select
        {{ this_build_number() }} as build_number,
        cast({{ dbt.current_timestamp() }} as {{ dbt.type_timestamp() }}) as built_at,
        through_batch_id,
        live_batch_count,
        cast('{{ invocation_id }}' as {{ dbt.type_string() }}) as dbt_invocation_id,
        {%- set increment_list = increment_models | sort | join(",") %}
        cast('{{ increment_list }}' as {{ dbt.type_string() }}) as increment_models
    from batches
),

final as (
    select * from earlier
    union all
    select * from this_build
)

select * from final
