-- The lines every mart is built from: staging minus exact duplicates when
-- `dedupe_exact_duplicates` is true (the only place that rule is applied). A view: the
-- incremental models downstream read only the batches they have not seen yet.
{{ config(materialized='view') }}

with

invoice_lines as (
    select * from {{ ref('stg_retail__invoice_lines') }}
),

final as (
    select *
    from invoice_lines
    where not ({{ var('dedupe_exact_duplicates') }} and is_exact_duplicate)
)

select * from final
