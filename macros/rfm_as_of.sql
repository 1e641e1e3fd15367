{#- The RFM reference date as a SQL expression: the `rfm_as_of` var when set, else the day
    after `max_invoice_date_expression` (the last invoice date, from a one-row relation). -#}
{% macro rfm_as_of(max_invoice_date_expression) -%}
    {%- if var('rfm_as_of') -%}
        cast('{{ var("rfm_as_of") }}' as date)
    {%- else -%}
        cast({{ dbt.dateadd('day', 1, max_invoice_date_expression) }} as date)
    {%- endif -%}
{%- endmacro %}
