{#- The read-only role analysts use (env LGS_ANALYST_ROLE, default lgs_analyst): created if missing, given usage
    of the marts schema only, and granted to the role that builds, so `lgs sql` can switch
    to it. Table-level SELECT comes from the `grants` config on marts and seeds. Runs as an
    on-run-start / on-run-end hook. -#}
{% macro create_analyst_role() -%}
    {{ return(adapter.dispatch('create_analyst_role')()) }}
{%- endmacro %}

{% macro postgres__create_analyst_role() -%}
    {%- set role = env_var('LGS_ANALYST_ROLE', 'lgs_analyst') -%}
    do $$
    begin
        if not exists (select 1 from pg_roles where rolname = '{{ role }}') then
            create role "{{ role }}" login nosuperuser nocreatedb nocreaterole noinherit;
        end if;
        if not pg_has_role(current_user, '{{ role }}', 'member') then
            execute format('grant %I to %I', '{{ role }}', current_user);
        end if;
    end
    $${%- if target.name == 'prod' %};
    create schema if not exists marts;
    grant usage on schema marts to "{{ role }}";
    {%- endif %}
{%- endmacro %}

{% macro default__create_analyst_role() -%}
    select 1
{%- endmacro %}
