-- The next 28 days' net sales as the last `lgs predict` forecast them, with 95% prediction
-- intervals and the forecast's backtest error beside them. Empty until `lgs predict` runs.
with

forecast as (
    select * from {{ ref('stg_predictions__sales_forecast') }}
),

backtest as (
    select
        sum(abs(model_wape * actual_net_sales)) / nullif(sum(abs(actual_net_sales)), 0) as backtest_model_wape,
        sum(abs(naive_wape * actual_net_sales)) / nullif(sum(abs(actual_net_sales)), 0) as backtest_naive_wape
    from {{ ref('stg_predictions__sales_forecast_backtest') }}
),

final as (
    select
        forecast.forecast_date,
        forecast.predicted_net_sales,
        forecast.lower_95,
        forecast.upper_95,
        backtest.backtest_model_wape,
        backtest.backtest_naive_wape,
        forecast.trained_through,
        forecast.model_version,
        forecast.fitted_at
    from forecast
    cross join backtest
)

select * from final
