-- Nothing rejected is left out of `load_rejects`: per live batch, its rows by reason add up
-- to the batch's rows_rejected. Returns each batch where they do not.
with

batches as (
    select * from {{ ref('stg_retail__load_batches') }}
    where is_live
),

counted as (
    select
        batch_id,
        sum(rejected_rows) as rejected_rows
    from {{ ref('load_rejects') }}
    group by batch_id
)

select
    batches.batch_id,
    batches.rows_rejected,
    coalesce(counted.rejected_rows, 0) as counted_rows
from batches
left join counted
    on batches.batch_id = counted.batch_id
where batches.rows_rejected <> coalesce(counted.rejected_rows, 0)
