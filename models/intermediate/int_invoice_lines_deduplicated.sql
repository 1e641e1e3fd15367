-- The lines every mart is built from: staging minus exact duplicates when
-- `dedupe_exact_duplicates` is true (the only place that rule is applied).
with

invoice_lines as (
    select * from {{ ref('stg_retail__invoice_lines') }}
),

final as (
    select *
    from invoice_lines
    {%- if var('dedupe_exact_duplicates') %}
    where not is_exact_duplicate
    {%- endif %}
)

select * from final
