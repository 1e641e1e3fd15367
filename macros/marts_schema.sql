{#- The marts schema analysts query (`published=true`), or the one a run builds and tests
    them in before `publish_marts` moves them across. With var `publish_marts: false` both
    are `marts` and each mart is replaced on its own as it is built. -#}
{% macro marts_schema(published) -%}
    {%- if published or not var('publish_marts') -%}
        {{ return('marts') }}
    {%- else -%}
        {{ return('marts_build') }}
    {%- endif -%}
{%- endmacro %}
