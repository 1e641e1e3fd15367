{#- True when a stock code is a product, false for the service codes listed in the vars
    `non_product_stock_codes` / `non_product_stock_code_prefixes` (postage, fees, ...). -#}
{% macro is_product_stock_code(stock_code_column) -%}
    case
        when {{ stock_code_column }} in (
            {%- for code in var('non_product_stock_codes') -%}
                '{{ code | replace("'", "''") }}'{{ ", " if not loop.last }}
            {%- endfor -%}
        ) then false
        {%- for prefix in var('non_product_stock_code_prefixes') %}
        when left({{ stock_code_column }}, {{ prefix | length }}) = '{{ prefix | replace("'", "''") }}' then false
        {%- endfor %}
        else true
    end
{%- endmacro %}
