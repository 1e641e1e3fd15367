{#- Write-audit-publish on the warehouse targets (on-run-end hook), here for PostgreSQL. The run built and tested the marts
    in `marts_build`; analysts read `marts`. When no node of the run failed, every mart table
    and seed it built moves into `marts` in ONE transaction, so a reader sees all of the
    previous build or all of the new one, never a mix; a run with any error or failed test
    publishes nothing. `marts_build` keeps a view over each published table (a copy of each
    seed, which dbt reseeds), so a later partial run reads the current marts for what it does
    not rebuild. Readers are never refused: the publisher cannot deadlock with them. -#}
{% macro publish_marts(results) -%}
    {{ return(adapter.dispatch('publish_marts')(results)) }}
{%- endmacro %}

{% macro postgres__publish_marts(results) -%}
    {%- set build_schema = generate_schema_name('marts') -%}
    {%- set built = marts_to_publish(results) -%}
    {%- if not built -%}
        {{ return('select 1') }}
    {%- endif -%}
    do $publish$
    declare
        relations text[] := array[{% for name in built | sort %}'{{ name }}'{{ ", " if not loop.last }}{% endfor %}];
        seeds text[] := array[{% for name, kind in built | dictsort if kind == 'seed' %}'{{ name }}', {% endfor %}''];
        held text[];
        relation text;
        position integer;
        started timestamptz := clock_timestamp();
    begin
        -- Lock the published tables being replaced. Readers lock tables in whatever order their
        -- queries name them, so a fixed order could deadlock with them: wait (holding nothing)
        -- for the first table only, take the rest with a short timeout, and when one is busy
        -- give everything back and start again with that table first.
        create schema if not exists marts;
        held := array(select r from unnest(relations) as r where to_regclass(format('marts.%I', r)) is not null);
        <<locking>>
        loop
            begin
                for position in 1 .. coalesce(cardinality(held), 0) loop
                    relation := held[position];
                    perform set_config('lock_timeout', case when position = 1 then '5s' else '50ms' end, true);
                    execute format('lock table marts.%I in access exclusive mode', relation);
                end loop;
                exit locking;
            exception when lock_not_available then
                if clock_timestamp() - started > interval '2 minutes' then
                    raise exception 'marts not published: readers kept marts.% busy for over 2 minutes', relation;
                end if;
                held := array_prepend(relation, array_remove(held, relation));
            end;
        end loop;
        perform set_config('lock_timeout', '0', true);
        foreach relation in array relations loop
            if to_regclass(format('%I.%I', '{{ build_schema }}', relation || '__increment')) is not null then
                -- Built as an increment (materialization published_increment): append its rows.
                execute format('insert into marts.%I select * from %I.%I', relation, '{{ build_schema }}',
                               relation || '__increment');
                execute format('drop view %I.%I', '{{ build_schema }}', relation);
                execute format('drop table %I.%I', '{{ build_schema }}', relation || '__increment');
            else
                execute format('drop table if exists marts.%I', relation);
                execute format('alter table %I.%I set schema marts', '{{ build_schema }}', relation);
            end if;
            if relation = any(seeds) then
                execute format('create table %I.%I as select * from marts.%I', '{{ build_schema }}', relation, relation);
            else
                execute format('create view %I.%I as select * from marts.%I', '{{ build_schema }}', relation, relation);
            end if;
        end loop;
    end
    $publish$
{%- endmacro %}

{#- The part every engine shares: the marts and seeds the run built in the build schema, in
    name order, or none when a node failed (which the log says) or nothing is to publish. -#}
{% macro marts_to_publish(results) -%}
    {%- set build_schema = generate_schema_name('marts') -%}
    {%- if not execute or build_schema == 'marts' or not is_warehouse_target() -%}
        {{ return({}) }}
    {%- endif -%}
    {%- set failed = results | selectattr('status', 'in', ['error', 'fail', 'runtime error'])
                             | map(attribute='node.name') | list -%}
    {%- set built = {} -%}
    {%- for result in results if result.status == 'success' and result.node.schema == build_schema
                                and result.node.resource_type in ['model', 'seed'] -%}
        {%- do built.update({result.node.alias: result.node.resource_type}) -%}
    {%- endfor -%}
    {%- if failed -%}
        {{ log("Marts NOT published: " ~ failed | length ~ " node(s) failed (" ~ failed[:5] | join(", ")
               ~ "); analysts still see the previous build in `marts`.", info=true) }}
        {{ return({}) }}
    {%- endif -%}
    {%- if built -%}
        {{ log("Publishing " ~ built | length ~ " relation(s) from `" ~ build_schema ~ "` to `marts` in one transaction.",
               info=true) }}
    {%- endif -%}
    {{ return(built) }}
{%- endmacro %}

{#- DuckDB: one transaction copies every built mart and seed over its published table; the
    build schema keeps its own tables, so a later partial run reads current marts there. -#}
{% macro duckdb__publish_marts(results) -%}
    {%- set built = marts_to_publish(results) -%}
    {%- if not built -%}
        {{ return('select 1') }}
    {%- endif -%}
    begin transaction;
    create schema if not exists marts;
    {%- for name in built | sort %}
    create or replace table marts.{{ adapter.quote(name) }} as
        select * from {{ generate_schema_name('marts') }}.{{ adapter.quote(name) }};
    {%- endfor %}
    commit
{%- endmacro %}

{#- Spark without Delta Lake has no transactions: the marts were built in place (see
    generate_schema_name); say so instead of pretending to publish. -#}
{% macro spark__publish_marts(results) -%}
    {%- if execute and is_warehouse_target() -%}
        {{ log("Spark: the marts were built and tested in place in `marts` (no write-audit-publish"
               " without transactions); a failed test leaves the rows it found there.", info=true) }}
    {%- endif -%}
    {{ return('select 1') }}
{%- endmacro %}

{% macro default__publish_marts(results) -%}
    select 1
{%- endmacro %}
