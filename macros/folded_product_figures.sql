{#- How partial figures of a product's lines combine, as aggregates over rows that hold them
    (`int_product_descriptions` folding a day's lines into the figures it holds,
    `dim_products` rolling a code's descriptions up): counts and sums add up, the lowest and
    highest stay the lowest and highest. The mean price is the sum over the count, after. -#}
{% macro folded_product_figures() -%}
    max(is_product_flag) as is_product_flag,
    min(min_unit_price) as min_unit_price,
    max(max_unit_price) as max_unit_price,
    sum(priced_sale_price_sum) as priced_sale_price_sum,
    sum(priced_sale_line_count) as priced_sale_line_count,
    min(first_sold_at) as first_sold_at,
    max(last_sold_at) as last_sold_at,
    sum(sale_line_count) as sale_line_count,
    sum(units_sold) as units_sold,
    sum(gross_revenue) as gross_revenue
{%- endmacro %}
