-- What `lgs predict` writes, declared to dbt as the source `predictions`. Created empty before
-- any dbt run (so the marts that join it build before the first fit) and on every fit.
create schema if not exists predictions;

create table if not exists predictions.customer_lifetime_value (
    customer_id integer primary key,
    p_alive double precision not null check (p_alive between 0 and 1),
    expected_purchases_90d double precision not null check (expected_purchases_90d >= 0),
    expected_average_spend double precision,
    clv_12_months double precision,
    reference_date date not null,
    model_version text not null,
    fitted_at timestamptz not null
);

create table if not exists predictions.clv_validation (
    run_id bigint generated always as identity primary key,
    calibration_end date not null,
    holdout_end date not null,
    holdout_days integer not null,
    customers integer not null,
    predicted_purchases double precision not null,
    actual_purchases integer not null,
    mae_model double precision not null,
    mae_baseline double precision not null,
    model_version text not null,
    fitted_at timestamptz not null
);

create table if not exists predictions.sales_forecast (
    forecast_date date primary key,
    predicted_net_sales double precision not null,
    lower_95 double precision not null,
    upper_95 double precision not null,
    trained_through date not null,
    model_version text not null,
    fitted_at timestamptz not null
);

create table if not exists predictions.sales_forecast_backtest (
    origin_date date primary key,
    horizon_days integer not null,
    actual_net_sales double precision not null,
    model_net_sales double precision not null,
    naive_net_sales double precision not null,
    model_wape double precision not null,
    naive_wape double precision not null,
    model_version text not null,
    fitted_at timestamptz not null
);
