{#- The materialization of a model that is incremental where the engine can delete rows:
    PostgreSQL and DuckDB. Spark's tables without Delta Lake cannot delete or merge, so
    there the model is rebuilt whole on every run (the run says so). -#}
{% macro incremental_or_table() -%}
    {%- if target.type == 'spark' -%}
        {%- if execute and model is defined -%}
            {{ log("Spark: " ~ model.name ~ " is rebuilt in full (no incremental without Delta Lake)", info=true) }}
        {%- endif -%}
        {{ return('table') }}
    {%- endif -%}
    {{ return('incremental') }}
{%- endmacro %}
