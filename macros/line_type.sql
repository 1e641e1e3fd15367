{#- The line-type rule: `C` invoices are cancellations, `A` invoices bad-debt adjustments;
    otherwise a positive quantity is a sale and zero or negative a stock adjustment. -#}
{% macro line_type(invoice_column, quantity_column) -%}
    case
        when {{ invoice_column }} like 'C%' then 'cancellation'
        when {{ invoice_column }} like 'A%' then 'adjustment'
        when {{ quantity_column }} > 0 then 'sale'
        else 'stock_adjustment'
    end
{%- endmacro %}
