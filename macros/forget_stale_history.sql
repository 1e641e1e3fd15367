{#- Pre-hook of an incremental model that holds business rules (`int_invoice_lines_deduplicated`
    by load batch, `int_orders` and `int_order_products` by invoice, `int_customer_products` by customer, `int_customers_rfm_history` by month,
    `int_product_descriptions` by stock code, `int_product_pairs` by pair, `int_customer_recommendation_picks` by
    customer), whose rows carry `definitions_hash`,
    `through_batch_id` and `live_batch_count`: empty it, so the run computes it all again,
    when the definitions changed since it was built (macro definitions_fingerprint) or a
    batch it was built from is no longer live in raw (`lgs load --replace`, `lgs unload`):
    what that batch touched is unknown once its lines are gone. A table built before these
    columns existed gets them, and starts again too. Any other change of the model's columns
    comes with a change of its SQL, so of the fingerprint: the model is emptied first, then
    dbt adds or drops the columns (on_schema_change `sync_all_columns`) and computes every row. -#}
{% macro forget_stale_history() -%}
    {%- if not is_incremental() -%}
        select 1
    {%- elif lacks_columns(['definitions_hash']) -%}
        {#- Built by a version of the project that kept the model whole (no bookkeeping
            columns yet), or left with only some of them: add the missing ones and start
            again from nothing. -#}
        alter table {{ this }} add column if not exists through_batch_id {{ dbt.type_bigint() }};
        alter table {{ this }} add column if not exists live_batch_count {{ dbt.type_bigint() }};
        alter table {{ this }} add column if not exists definitions_hash {{ dbt.type_string() }};
        truncate table {{ this }}
    {%- elif run_query('select ' ~ history_is_current()).columns[0].values()[0] -%}
        select 1
    {%- else -%}
        {#- Truncated, not deleted: a delete of every row left them all dead in the table (21M
            dead rows beside 10.6M live ones in the deduplicated lines at 10x after two
            restarts), for every later scan to read until a vacuum reached them. -#}
        truncate table {{ this }}
    {%- endif -%}
{%- endmacro %}

{#- A condition, true when the rows of the model (`this`, with its bookkeeping columns) are
    still current: built under today's definitions from batches that are all still live.
    Every row holds the same fingerprint (a run adds rows only when its fingerprint is the one
    held, after emptying the model otherwise), and the latest rows hold the highest batch and
    live count: one row tells. -#}
{% macro history_is_current() -%}
    exists (
        select 1
        from (
            select
                held.definitions_hash,
                held.through_batch_id,
                held.live_batch_count
            from {{ this }} as held
            order by held.through_batch_id desc
            limit 1
        ) as latest
        where
            latest.definitions_hash = '{{ definitions_fingerprint() }}'
            and latest.live_batch_count = (
                select count(*)
                from {{ source('retail', 'load_batches') }} as batches
                where batches.status = 'loaded' and batches.batch_id <= latest.through_batch_id
            )
    )
{%- endmacro %}

{#- The batch a model with the pre-hook forget_stale_history holds once that hook has run, as
    a number read when the model's SQL is compiled (just before its hooks run): the highest
    batch it covers, or 0 when the hook will empty it. A number, not a subquery, so the
    planner sees how few lines lie above it and reads them through an index instead of
    reading every line (a subquery's value is unknown when the query is planned, and the
    planner then assumes a third of the table). Not for a model with a second hook that may
    empty it (`int_product_pairs`): that one reads `held_through_batch()` at run time. -#}
{% macro held_batch_number() -%}
    {%- if not execute or not is_incremental() or lacks_columns(['definitions_hash']) -%}
        {{ return(0) }}
    {%- endif -%}
    {%- set found = run_query('select case when ' ~ history_is_current() ~ ' then ' ~ held_through_batch()
                              ~ ' else 0 end') -%}
    {{ return(found.columns[0].values()[0] | int) }}
{%- endmacro %}

{#- Second pre-hook of a model that adds what new orders bring to counts it holds
    (`int_product_pairs`): empty it, so the run counts everything again, when an order
    computed again since the last run (`int_order_products`) has lines from the batches the
    model already covers. Such an order was counted as it was then; its new lines change
    it, and the old count cannot be taken back. New orders, the usual case, are only added. -#}
{% macro forget_if_counted_orders_grew() -%}
    {%- if not is_incremental() -%}
        select 1
    {%- else -%}
        {#- The batch held as a number, read now (after forget_stale_history, which may have
            emptied the model), so the planner sees how few orders lie above it and looks
            their lines up by index instead of reading every line. -#}
        {%- set held = run_query('select ' ~ held_through_batch()).columns[0].values()[0] | int -%}
        {%- set grew = run_query(
            'select exists (select 1 from ' ~ ref('int_order_products') ~ ' as recomputed'
            ~ ' inner join ' ~ ref('int_invoice_lines_deduplicated') ~ ' as earlier'
            ~ ' on recomputed.invoice_id = earlier.invoice_id'
            ~ ' where recomputed.through_batch_id > ' ~ held ~ ' and earlier.batch_id <= ' ~ held ~ ')') -%}
        {#- Truncated rather than deleted, as in forget_stale_history. -#}
        {{ 'truncate table ' ~ this if grew.columns[0].values()[0] else 'select 1' }}
    {%- endif -%}
{%- endmacro %}

{#- The highest load batch an incremental model that holds rules already covers (0 when it
    is empty): a run computes what came after it. A scalar subquery on `this`. -#}
{% macro held_through_batch() -%}
    (select coalesce(max(held.through_batch_id), 0) from {{ this }} as held)
{%- endmacro %}

{#- What a build computes from, as one row (the body of a CTE): the highest live load batch
    ranked by now and how many batches up to it are live. A batch loaded while the build runs
    waits for the next build. Such a model stores both on each row it computes. -#}
{% macro computed_batches() -%}
    select
        max(batch_id) as through_batch_id,
        count(*) as live_batch_count
    from {{ ref('stg_retail__load_batches') }}
    where
        is_live
        and batch_id <= (select max(all_ranked.batch_id) from {{ ref('int_invoice_lines_ranked') }} as all_ranked)
{%- endmacro %}

{#- The `definitions_hash` such a model stores on each row it computes. -#}
{% macro current_definitions_hash() -%}
    cast('{{ definitions_fingerprint() }}' as {{ dbt.type_string() }})
{%- endmacro %}

{#- The body of a CTE with one row: the latest bookkeeping (`through_batch_id`,
    `live_batch_count`) of the rule-holding model `relation` a model computes from. -#}
{% macro latest_bookkeeping(relation) -%}
    select
        through_batch_id,
        live_batch_count
    from {{ relation }}
    order by through_batch_id desc
    limit 1
{%- endmacro %}

{#- The bookkeeping columns a rule-holding model stores on each row it computes: what it was
    computed from (`through_batch_id`, `live_batch_count` of the relation or CTE
    `computed_from`), the definitions' fingerprint and the build's number. -#}
{% macro bookkeeping_columns(computed_from) -%}
    {{ computed_from }}.through_batch_id,
    {{ computed_from }}.live_batch_count,
    {{ current_definitions_hash() }} as definitions_hash,
    {{ this_build_number() }} as build_number
{%- endmacro %}
