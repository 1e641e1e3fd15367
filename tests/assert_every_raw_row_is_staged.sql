-- Reconciliation: every raw row appears in staging exactly once, and staging holds nothing
-- else. Returns each row found on one side only, and any key staged more than once.
with

raw_rows as (
    select
        batch_id,
        source_sheet,
        source_row
    from {{ source('retail', 'retail_transactions') }}
),

staged_rows as (
    select
        batch_id,
        source_sheet,
        source_row,
        count(*) as copies
    from {{ ref('stg_retail__invoice_lines') }}
    group by batch_id, source_sheet, source_row
),

compared as (
    select
        coalesce(raw_rows.batch_id, staged_rows.batch_id) as batch_id,
        coalesce(raw_rows.source_sheet, staged_rows.source_sheet) as source_sheet,
        coalesce(raw_rows.source_row, staged_rows.source_row) as source_row,
        case
            when staged_rows.batch_id is null then 'raw row missing from staging'
            when raw_rows.batch_id is null then 'staged row not in raw'
            when staged_rows.copies > 1 then 'raw row staged more than once'
        end as problem
    from raw_rows
    full outer join staged_rows
        on
            raw_rows.batch_id = staged_rows.batch_id
            and raw_rows.source_row = staged_rows.source_row
            and coalesce(raw_rows.source_sheet, '') = coalesce(staged_rows.source_sheet, '')
)

select *
from compared
where problem is not null
