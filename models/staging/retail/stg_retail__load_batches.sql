-- One row per file load, renamed: what `lgs load` read, loaded and rejected, and whether
-- its rows are live.
with

source as (
    select * from {{ source('retail', 'load_batches') }}
),

final as (
    select
        batch_id,
        source_file,
        file_type,
        checksum_sha256,
        status,
        rows_read,
        rows_loaded,
        rows_rejected,
        started_at,
        finished_at,
        loaded_by,
        note,
        is_sample,
        status = 'loaded' as is_live
    from source
)

select * from final
