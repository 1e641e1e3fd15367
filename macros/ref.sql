{#- `ref` as dbt's own, except in analyses: analysts run those against the published marts,
    so a ref to a mart resolves to `marts`, not the build schema `marts_build` they cannot read
    (see publish_marts). -#}
{% macro ref() -%}
    {%- set relation = builtins.ref(*varargs, **kwargs) -%}
    {%- set build_schema = marts_schema(published=false) -%}
    {%- if execute and model.resource_type == 'analysis' and relation is not none
           and relation.schema == build_schema and build_schema != marts_schema(published=true) -%}
        {{ return(relation.incorporate(path={"schema": marts_schema(published=true)})) }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}
