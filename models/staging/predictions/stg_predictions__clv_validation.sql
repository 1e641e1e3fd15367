-- `predictions.clv_validation` as `lgs predict` wrote it.
with

source as (
    select * from {{ source('predictions', 'clv_validation') }}
),

final as (
    select * from source
)

select * from final
