-- `predictions.sales_forecast` as `lgs predict` wrote it.
with

source as (
    select * from {{ source('predictions', 'sales_forecast') }}
),

final as (
    select * from source
)

select * from final
