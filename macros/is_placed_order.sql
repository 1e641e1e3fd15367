{#- The "order placed" rule: an order counts as placed when its type is one of the var
    `placed_order_types` (default: `sale`, an invoice with a sale line; the notebook also
    counted `stock_adjustment` invoices). -#}
{% macro is_placed_order(order_type_column) -%}
    {{ order_type_column }} in (
        {%- for order_type in var('placed_order_types') -%}
            '{{ order_type }}'{{ ", " if not loop.last }}
        {%- endfor -%}
    )
{%- endmacro %}
