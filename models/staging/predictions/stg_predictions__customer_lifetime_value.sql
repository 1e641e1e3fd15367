-- `predictions.customer_lifetime_value` as `lgs predict` wrote it.
with

source as (
    select * from {{ source('predictions', 'customer_lifetime_value') }}
),

final as (
    select * from source
)

select * from final
