{#- Write-audit-publish for the marts. Models and seeds of the `marts` layer are built and
    tested in the build schema (`marts_build`); analysts read `marts`. At the end of a run
    (on-run-end hook) every mart this run built is moved into `marts` in ONE transaction, so
    a reader sees all of the previous build or all of the new one, never a mix, and a run
    with any error or failed test publishes nothing. The build schema keeps a view over each
    published table, so a later partial run reads the current marts for what it does not
    rebuild. Readers are never refused: the publisher takes its locks so that it can never
    deadlock with them, and backs off and retries when they are busy. -#}
{% macro publish_marts(results) -%}
    {{ return(adapter.dispatch('publish_marts')(results)) }}
{%- endmacro %}

{% macro postgres__publish_marts(results) -%}
    {%- set build_schema = marts_schema(published=false) -%}
    {%- set published_schema = marts_schema(published=true) -%}
    {%- set run = marts_built_by_run(results) -%}
    {%- set broken = run.failed -%}
    {%- set kinds = run.built -%}
    {%- set built = kinds.keys() | list -%}
    {%- if broken -%}
        {{ log("Marts NOT published: " ~ broken | length ~ " node(s) failed (" ~ broken[:5] | join(", ")
               ~ "); analysts still see the previous build in `" ~ published_schema ~ "`.", info=true) }}
        {{ return('select 1') }}
    {%- endif -%}
    {%- if not built -%}
        {{ return('select 1') }}
    {%- endif -%}
    {{ log("Publishing " ~ built | length ~ " relation(s) from `" ~ build_schema ~ "` to `"
           ~ published_schema ~ "` in one transaction.", info=true) }}
    do $publish$
    declare
        relations text[] := array[{%- for name in built | sort %}'{{ name }}'{{ "," if not loop.last }}{% endfor -%}];
        kinds text[] := array[{%- for name in built | sort %}'{{ kinds[name] }}'{{ "," if not loop.last }}{% endfor -%}];
        position integer;
        relation text;
        attempts integer := 0;
        ordered text[] := '{}';
        started timestamptz := clock_timestamp();
    begin
        -- Lock every published table being replaced. Readers lock tables in whatever order
        -- their queries name them, so a fixed order could deadlock with them. Instead: wait
        -- (holding nothing, so no deadlock is possible) for the first table only, take the
        -- rest with a short timeout, and when one of them is busy give everything back and
        -- start again with that table first. The publisher always backs off; a reader never
        -- waits more than a moment and is never the victim of a deadlock.
        foreach relation in array relations loop
            if to_regclass(format('%I.%I', '{{ published_schema }}', relation)) is not null then
                ordered := ordered || relation;
            end if;
        end loop;
        loop
            begin
                for position in 1 .. coalesce(cardinality(ordered), 0) loop
                    relation := ordered[position];
                    perform set_config('lock_timeout', case when position = 1 then '5s' else '50ms' end, true);
                    execute format('lock table %I.%I in access exclusive mode', '{{ published_schema }}', relation);
                end loop;
                exit;
            exception when lock_not_available then
                attempts := attempts + 1;
                if clock_timestamp() - started > interval '2 minutes' then
                    raise exception 'marts not published: readers kept %.% busy for over 2 minutes (% attempts)',
                        '{{ published_schema }}', relation, attempts;
                end if;
                ordered := array_prepend(relation, array_remove(ordered, relation));
            end;
        end loop;
        perform set_config('lock_timeout', '0', true);
        create schema if not exists {{ published_schema }};
        create schema {{ published_schema }}__retired;
        for position in 1 .. cardinality(relations) loop
            relation := relations[position];
            if to_regclass(format('%I.%I', '{{ published_schema }}', relation)) is not null then
                execute format('alter table %I.%I set schema %I', '{{ published_schema }}', relation,
                               '{{ published_schema }}__retired');
            end if;
            execute format('alter table %I.%I set schema %I', '{{ build_schema }}', relation, '{{ published_schema }}');
            if kinds[position] = 'table' then
                -- Later partial runs read the published table through this view; a rebuild replaces it.
                execute format('create view %I.%I as select * from %I.%I', '{{ build_schema }}', relation,
                               '{{ published_schema }}', relation);
            elsif to_regclass(format('%I.%I', '{{ published_schema }}__retired', relation)) is not null
                    and kinds[position] = 'incremental'
                    and (select array_agg(format('%s %s', attname, format_type(atttypid, atttypmod)) order by attnum)
                         from pg_attribute where attrelid = to_regclass(format('%I.%I', '{{ published_schema }}__retired',
                         relation)) and attnum > 0 and not attisdropped)
                        is distinct from
                        (select array_agg(format('%s %s', attname, format_type(atttypid, atttypmod)) order by attnum)
                         from pg_attribute where attrelid = to_regclass(format('%I.%I', '{{ published_schema }}', relation))
                         and attnum > 0 and not attisdropped) then
                -- The previous version has other columns: the next run builds this model afresh.
                null;
            elsif to_regclass(format('%I.%I', '{{ published_schema }}__retired', relation)) is not null then
                -- Seeds and incremental models must stay tables: the previous version goes back to
                -- the build schema (a seed is refreshed to the published rows; an incremental model
                -- catches up by load batch on its next run).
                execute format('alter table %I.%I set schema %I', '{{ published_schema }}__retired', relation,
                               '{{ build_schema }}');
                if kinds[position] = 'seed' then
                    execute format('truncate %I.%I', '{{ build_schema }}', relation);
                    execute format('insert into %I.%I select * from %I.%I', '{{ build_schema }}', relation,
                                   '{{ published_schema }}', relation);
                end if;
            elsif kinds[position] = 'seed' then
                execute format('create table %I.%I (like %I.%I including all)', '{{ build_schema }}', relation,
                               '{{ published_schema }}', relation);
                execute format('insert into %I.%I select * from %I.%I', '{{ build_schema }}', relation,
                               '{{ published_schema }}', relation);
            end if;
            -- (An incremental model without a previous version is copied back by sync_build_copies.)
        end loop;
        drop schema {{ published_schema }}__retired cascade;
    end
    $publish$
{%- endmacro %}

{% macro default__publish_marts(results) -%}
    select 1
{%- endmacro %}

{#- After publish_marts: the build schema got back the previous version of each incremental
    mart (one run behind). Bring it level with the published table right away, outside the
    publishing transaction so readers never wait for it: forget what differs (another build
    fingerprint, or batches the published table no longer has), copy the batches it lacks.
    Tests run on their own (`lgs dbt test`) then see the same rows analysts do, and the next
    incremental run only has new batches to add. -#}
{% macro sync_build_copies(results) -%}
    {{ return(adapter.dispatch('sync_build_copies')(results)) }}
{%- endmacro %}

{% macro postgres__sync_build_copies(results) -%}
    {%- set build_schema = marts_schema(published=false) -%}
    {%- set published_schema = marts_schema(published=true) -%}
    {%- set run = marts_built_by_run(results) -%}
    {%- set synced = [] -%}
    {%- if not run.failed -%}
        {%- for name, kind in run.built.items() | sort if kind == 'incremental' -%}
            {%- do synced.append(name) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if not synced -%}
        {{ return('select 1') }}
    {%- endif -%}
    {%- for name in synced %}
        {%- set build = adapter.quote(build_schema) ~ '.' ~ adapter.quote(name) -%}
        {%- set published = adapter.quote(published_schema) ~ '.' ~ adapter.quote(name) -%}
        {#- Asked of the database: publishing just moved tables behind dbt's relation cache. -#}
        {%- set exists = run_query("select to_regclass('" ~ build ~ "') is not null").columns[0].values()[0] -%}
        {%- set first = none -%}
        {%- if exists -%}
            {%- set first = first_changed_batch(
                build,
                '(select build_fingerprint from ' ~ published ~ ' limit 1)',
                'exists (select 1 from ' ~ published ~ ' as live where live.batch_id = held.batch_id)'
            ) -%}
        {%- endif %}
        do $sync$
        begin
            {%- if not exists %}
            -- The previous version had other columns and was not handed back.
            create table {{ build }} (like {{ published }} including all);
            {%- elif first is not none %}
            delete from {{ build }} where batch_id >= {{ first }};
            {%- endif %}
            insert into {{ build }}
            select * from {{ published }}
            where batch_id > (select coalesce(max(batch_id), 0) from {{ build }});
        end
        $sync$;
    {%- endfor %}
{%- endmacro %}

{% macro default__sync_build_copies(results) -%}
    select 1
{%- endmacro %}

{#- What a run did to the marts, for the two on-run-end hooks: the nodes that failed, and
    the marts (models and seeds) it built in the build schema with their materialization.
    Both empty outside execution or when marts are built in place. -#}
{% macro marts_built_by_run(results) -%}
    {%- set build_schema = marts_schema(published=false) -%}
    {%- set run = {'failed': [], 'built': {}} -%}
    {%- if not execute or build_schema == marts_schema(published=true) -%}
        {{ return(run) }}
    {%- endif -%}
    {%- for result in results -%}
        {%- if result.status in ['error', 'fail', 'runtime error'] -%}
            {%- do run.failed.append(result.node.name) -%}
        {%- elif result.status == 'success' and result.node.resource_type in ['model', 'seed']
                 and result.node.schema == build_schema
                 and result.node.config.materialized in ['table', 'incremental', 'seed'] -%}
            {%- do run.built.update({result.node.alias: result.node.config.materialized}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(run) }}
{%- endmacro %}
