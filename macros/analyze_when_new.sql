{#- Post-hook of the incremental models (dbt_project.yml): on PostgreSQL, analyse the table
    when it has never been analysed, that is when this run created it (a first build, a
    `--full-refresh`, an upgrade that rebuilt it). dbt creates a table without statistics,
    and autovacuum analyses it a minute or more later: a build in that minute (the day after
    a full refresh, at 10x) planned its small lookups as if these tables held nothing known
    and took ten times as long. An incremental run adds to a table already analysed, and
    does nothing here. A hook of another materialization does nothing either. -#}
{% macro analyze_when_new() -%}
    {%- if not execute or target.type != 'postgres' or config.get('materialized') != 'incremental' -%}
        select 1
    {%- else -%}
        {%- set never = run_query(
            "select pg_stat_get_last_analyze_time('" ~ this ~ "'::regclass) is null"
            ~ " and pg_stat_get_last_autoanalyze_time('" ~ this ~ "'::regclass) is null") -%}
        {{ 'analyze ' ~ this if never.columns[0].values()[0] else 'select 1' }}
    {%- endif -%}
{%- endmacro %}
