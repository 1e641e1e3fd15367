{#- A list of products as one text for campaign lists: `STOCKCODE DESCRIPTION` joined by
    ` | `, in the order of `order_column` (an aggregate over rows with stock_code and
    description). -#}
{% macro product_list(order_column) -%}
    {{ dbt.listagg(
        dbt.concat(["stock_code", "' '", "coalesce(description, '')"]),
        "' | '",
        "order by " ~ order_column
    ) }}
{%- endmacro %}
