-- Reconciliation: every raw row appears in staging exactly once, and staging holds nothing
-- else. Returns each line key found on one side only, or more than once on either side.
-- (One aggregate over both sides: cheaper than a full outer join of two million rows.)
with

raw_rows as (
    select
        batch_id,
        source_sheet,
        source_row,
        1 as in_raw,
        0 as in_staging
    from {{ source('retail', 'retail_transactions') }}
),

staged_rows as (
    select
        batch_id,
        source_sheet,
        source_row,
        0 as in_raw,
        1 as in_staging
    from {{ ref('stg_retail__invoice_lines') }}
),

both_sides as (
    select * from raw_rows
    union all
    select * from staged_rows
),

counted as (
    select
        batch_id,
        source_sheet,
        source_row,
        sum(in_raw) as raw_copies,
        sum(in_staging) as staged_copies
    from both_sides
    group by batch_id, source_sheet, source_row
),

final as (
    select
        batch_id,
        source_sheet,
        source_row,
        case
            when staged_copies = 0 then 'raw row missing from staging'
            when raw_copies = 0 then 'staged row not in raw'
            when staged_copies > 1 then 'raw row staged more than once'
            else 'raw line key loaded more than once'
        end as problem
    from counted
    where raw_copies <> 1 or staged_copies <> 1
)

select * from final
