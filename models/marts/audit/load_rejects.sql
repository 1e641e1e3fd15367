-- What every live load rejected, counted by batch and kind of reason, with no raw text:
-- analysts can see how much of a file was refused and why, not the refused content
-- (`lgs rejects BATCH` shows the lines themselves to whoever runs the loads).
with

batches as (
    select * from {{ ref('stg_retail__load_batches') }}
    where is_live
),

rejected as (
    select * from {{ ref('stg_retail__rejected_lines') }}
),

per_reason as (
    select
        batch_id,
        reason_kind,
        count(*) as rejected_rows,
        min(source_row) as first_source_row
    from rejected
    group by batch_id, reason_kind
),

final as (
    select
        batches.batch_id,
        batches.source_file,
        batches.finished_at as loaded_at,
        batches.rows_read,
        batches.rows_rejected,
        per_reason.reason_kind,
        per_reason.rejected_rows,
        per_reason.first_source_row
    from batches
    inner join per_reason
        on batches.batch_id = per_reason.batch_id
)

select * from final
