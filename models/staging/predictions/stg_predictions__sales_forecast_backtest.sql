-- `predictions.sales_forecast_backtest` as `lgs predict` wrote it.
with

source as (
    select * from {{ source('predictions', 'sales_forecast_backtest') }}
),

final as (
    select * from source
)

select * from final
