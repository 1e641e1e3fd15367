{#- Same name, arguments and output as dbt_utils.generate_surrogate_key, which cannot be
    installed here (no dbt Hub): an md5 over the fields cast to text, NULLs as a marker.
    Delete this file to switch to the package. -#}
{% macro generate_surrogate_key(field_list) -%}
    {%- set default_null_value = '_dbt_utils_surrogate_key_null_' -%}
    {%- set fields = [] -%}
    {%- for field in field_list -%}
        {%- do fields.append(
            "coalesce(cast(" ~ field ~ " as " ~ dbt.type_string() ~ "), '" ~ default_null_value ~ "')"
        ) -%}
        {%- if not loop.last %}
            {%- do fields.append("'-'") -%}
        {%- endif -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(fields)) }}
{%- endmacro %}
