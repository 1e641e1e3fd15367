{#- A mart that only ever gains rows between restarts, published without copying what
    analysts already have (PostgreSQL, target prod).

    Write-audit-publish (macro publish_marts) moves each mart a run built in `marts_build` into
    `marts`. For `fct_sales` that meant writing every line again on every run, ten million at
    10x the real data, to publish the 2,000 lines of a new day. A model materialized
    `published_increment` stamps each row with the `build_number` of the build that computed it
    (its rows come from the incremental models named by config `restarts_with`, which number
    every row again when a rule changes or a batch is removed). When the published table holds
    the model's rows up to some build W, and those models have not started again since, only the
    rows above W are computed, into `marts_build.<model>__increment` (typed, not-null checked and
    indexed as the published table is: a lookup through the view below can then use the index
    on both sides, where a scan of the increment for every looked-up row would not pay); `marts_build.<model>` becomes a view of the published rows
    plus the increment, which the run's tests and reconciliations read; and the publish appends
    the increment to the published table in its one transaction, where the published table's
    primary key checks the new rows against the old. Otherwise (first build, `--full-refresh`,
    another target, the upstream started again, the published columns, types or keys no longer
    those of the model and its contract) the model is built whole, as dbt's `table`, and moved
    into `marts` as every other mart. Either way what is written is analysed at once, so the
    tests' planner knows how few rows are new. Other engines build such a model as a `table`
    (the model's config chooses). A model whose `build_number` is computed (so the filter on it
    cannot reach the rows it is computed from) filters those rows on
    `published_increment_floor()` itself. -#}
{% materialization published_increment, adapter='postgres' %}
    {%- set increment = this.incorporate(path={'identifier': this.identifier ~ '__increment'}, type='table') -%}
    {#- What an earlier run left: the view in the build schema (over the published table, or
        over it and an increment that was not published), then the increment. -#}
    {%- set existing = load_cached_relation(this) -%}
    {%- if existing is not none and existing.type == 'view' -%}
        {%- do drop_relation_if_exists(existing) -%}
    {%- endif -%}
    {%- do drop_relation_if_exists(load_cached_relation(increment)) -%}
    {%- set through = published_through_build(sql) -%}

    {%- if through is none -%}
        {%- set relations = dbt.materialization_table_default() -%}
        {%- do run_query('analyze ' ~ this) -%}
        {{ return(relations) }}
    {%- endif -%}

    {%- set published = api.Relation.create(database=this.database, schema='marts', identifier=this.identifier,
                                             type='table') -%}
    {%- set existing = load_cached_relation(this) -%}
    {%- set target_relation = this.incorporate(type='view') -%}
    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}
    {%- if config.get('contract').enforced -%}
        {%- do get_assert_columns_equivalent(sql) -%}
    {%- endif -%}
    {%- call statement('main') -%}
        create table {{ increment }} (like {{ published }} including indexes);
        insert into {{ increment }}
        select * from ({{ sql | replace(published_increment_floor(), through | string) }}) as model_rows
        where build_number > {{ through }};
    {%- endcall -%}
    {%- do drop_relation_if_exists(existing) -%}
    {%- call statement('view') -%}
        create view {{ target_relation }} as
        select * from {{ published }}
        union all
        select * from {{ increment }}
    {%- endcall -%}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {%- do apply_grants(target_relation, config.get('grants'), should_revoke=True) -%}
    {%- do persist_docs(target_relation, model) -%}
    {{ adapter.commit() }}
    {%- do run_query('analyze ' ~ increment) -%}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}

{#- The build W through which the published table (`marts.<model>`) holds the rows of the
    model being built, when the run may add only the rows above it: a number, or none when the
    model must be built whole. `sql` is the model's compiled SELECT. -#}
{% macro published_through_build(sql) -%}
    {%- if not execute or should_full_refresh() or not is_warehouse_target() or this.schema == 'marts' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set published = adapter.get_relation(database=this.database, schema='marts', identifier=this.identifier) -%}
    {%- if published is none or published.type != 'table' or lacks_columns(['build_number'], published) -%}
        {{ return(none) }}
    {%- endif -%}
    {#- W: the highest number it holds. It must not be above the last passed build: a run that
        builds the model but not `passed_builds` (a selection) publishes rows under the number
        the next run gets too, so a restart in that next run could not be told from them. The
        block-range index answers "any row above" and "a row of the last passed build" at once;
        only when that build added no row is the whole column read. An empty table holds no
        number: its W is the last passed build that computed the model (`passed_builds`
        names them by model name, not by table), whose publish left it empty. -#}
    {%- set passed = last_passed_build() -%}
    {%- set passed_builds = published_passed_builds() -%}
    {%- set last_computed = 'null' if passed_builds is none or lacks_columns(['increment_models'], passed_builds)
        else '(select max(build_number) from ' ~ passed_builds ~ " where ',' || increment_models || ',' like '%,"
             ~ model.name ~ ",%')" -%}
    {%- set found = run_query(
        'select case'
        ~ ' when exists (select 1 from ' ~ published ~ ' where build_number > ' ~ passed ~ ') then null'
        ~ ' when exists (select 1 from ' ~ published ~ ' where build_number = ' ~ passed ~ ') then ' ~ passed
        ~ ' else coalesce((select max(build_number) from ' ~ published ~ '), ' ~ last_computed ~ ') end') -%}
    {%- set through = found.columns[0].values()[0] -%}
    {%- if through is none -%}
        {{ return(none) }}
    {%- endif -%}
    {#- The rows come from incremental models (config `restarts_with`, a name or a list) that
        number every row again when they start again (a changed rule, a removed batch, an
        upgrade): once the lowest number of one is above W, the published rows are gone from it. -#}
    {%- set upstreams = config.require('restarts_with') -%}
    {%- for name in ([upstreams] if upstreams is string else upstreams) -%}
        {%- set restarted = run_query('select coalesce(min(build_number), ' ~ (through + 1) ~ ') > ' ~ through
                                      ~ ' from ' ~ ref(name)) -%}
        {%- if restarted.columns[0].values()[0] -%}
            {{ return(none) }}
        {%- endif -%}
    {%- endfor -%}
    {%- if not published_columns_match(published, sql) -%}
        {{ log(this.identifier ~ ": the published table's columns or keys are not the model's: built whole", info=true) }}
        {{ return(none) }}
    {%- endif -%}
    {{ return(through | int) }}
{%- endmacro %}

{#- Whether the published table has the model's columns, in order, with the types its SELECT
    gives them, and the not-null columns and primary key of its contract. -#}
{% macro published_columns_match(published, sql) -%}
    {%- set not_null = [] -%}
    {%- set primary_key = [] -%}
    {%- for name, column in model['columns'].items() -%}
        {%- set types = column.get('constraints', []) | map(attribute='type') | list -%}
        {%- if 'not_null' in types or 'primary_key' in types -%}
            {%- do not_null.append(name | lower) -%}
        {%- endif -%}
        {%- if 'primary_key' in types -%}
            {%- do primary_key.append(name | lower) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set probe = make_temp_relation(this, '__probe') -%}
    {%- do run_query('create temporary table ' ~ probe.identifier ~ ' as select * from (' ~ sql ~ ') as model_rows limit 0') -%}
    {%- set compared = run_query(
        "select"
        ~ " (select string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' order by attnum)"
        ~ "    from pg_attribute where attrelid = '" ~ published ~ "'::regclass and attnum > 0 and not attisdropped)"
        ~ " is not distinct from"
        ~ " (select string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' order by attnum)"
        ~ "    from pg_attribute where attrelid = 'pg_temp." ~ probe.identifier ~ "'::regclass and attnum > 0"
        ~ "    and not attisdropped),"
        ~ " (select coalesce(string_agg(attname, ',' order by attname), '') from pg_attribute"
        ~ "    where attrelid = '" ~ published ~ "'::regclass and attnum > 0 and not attisdropped and attnotnull),"
        ~ " (select coalesce(string_agg(attribute.attname, ',' order by attribute.attname), '') from pg_index"
        ~ "    join pg_attribute as attribute on attribute.attrelid = pg_index.indrelid"
        ~ "    and attribute.attnum = any(pg_index.indkey)"
        ~ "    where pg_index.indrelid = '" ~ published ~ "'::regclass and pg_index.indisprimary)") -%}
    {%- do run_query('drop table pg_temp.' ~ probe.identifier) -%}
    {%- set row = compared.rows[0] -%}
    {{ return(row[0] and row[1] == not_null | sort | join(',') and row[2] == primary_key | sort | join(',')) }}
{%- endmacro %}

{#- For a model materialized `published_increment` whose `build_number` is computed, not read
    from a column: the number its input rows must be above, as written in its SQL. It renders
    as -1 (every row: a whole build, and every other engine); when the run builds an increment,
    the materialization puts W in its place, a number the planner sees, so an index on the
    input's `build_number` finds the new rows. -#}
{% macro published_increment_floor() -%}
    -1 /* published_increment_floor */
{%- endmacro %}
