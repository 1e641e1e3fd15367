{#- A key equal for two lines exactly when they are equal in every one of `columns` (the
    exact-duplicate rule compares them): a hash of an unambiguous text of the values. -#}
{% macro duplicate_key(columns) -%}
    {{ return(adapter.dispatch('duplicate_key')(columns)) }}
{%- endmacro %}

{#- PostgreSQL's text of a row value quotes every field and marks NULLs. -#}
{% macro postgres__duplicate_key(columns) -%}
    md5(cast(row({{ columns | join(', ') }}) as text))
{%- endmacro %}

{#- Elsewhere: each value as text with `~` doubled and `|` written `~p`, NULL as `~n`, joined
    by `|`, so no two different rows give the same text. No backslashes: their meaning in a
    string literal differs between engines. -#}
{% macro default__duplicate_key(columns) -%}
    {%- set fields = [] -%}
    {%- for column in columns -%}
        {%- do fields.append(
            "coalesce(replace(replace(" ~ dbt.cast(column, dbt.type_string())
            ~ ", '~', '~~'), '|', '~p'), '~n')"
        ) -%}
        {%- if not loop.last %}{% do fields.append("'|'") %}{% endif -%}
    {%- endfor -%}
    md5({{ dbt.concat(fields) }})
{%- endmacro %}
