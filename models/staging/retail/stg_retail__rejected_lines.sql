-- One row per rejected source row, without its raw text: the batch, where in the file, and
-- why. `reason_kind` is the reason without the offending value (the part before ": ").
with

source as (
    select * from {{ source('retail', 'rejected_lines') }}
),

final as (
    select
        batch_id,
        source_file,
        source_sheet,
        source_row,
        reason,
        rejected_at,
        {{ dbt.split_part('reason', "': '", 1) }} as reason_kind
    from source
)

select * from final
