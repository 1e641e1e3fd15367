"""`lgs predict`: fit, score and write; with validate=True also the holdout validation."""

from __future__ import annotations

import time
from collections.abc import Callable

from lgs.database import Connection, require_built
from lgs.predictions import ensure_predictions_schema, quiet_compiler
from lgs.settings import lgs_home


def run_predictions(connection: Connection, validate: bool, say: Callable[[str], None]) -> None:
    started = time.perf_counter()
    quiet_compiler(lgs_home())
    from lgs.predictions import clv, forecast

    with connection.connect() as conn:
        require_built(conn, "intermediate.int_customers_clv_inputs", "intermediate.int_customer_purchase_days",
                       "marts.daily_sales")
        ensure_predictions_schema(conn)
        summary, reference = clv.read_inputs(conn)
        days = clv.read_purchase_days(conn) if validate else None
        sales = forecast.read_daily_sales(conn)
    fitted = clv.fit(summary)
    scores = clv.score(fitted, summary)
    planned = forecast.forecast(sales)
    tested = forecast.backtest(sales)
    checked = clv.validate(days, reference) if validate else None
    with connection.connect() as conn:
        written = clv.write_scores(conn, scores, reference)
        forecast.write_forecast(conn, planned, sales.index[-1].date())
        forecast.write_backtest(conn, tested)
        if checked is not None:
            clv.write_validation(conn, checked)
    say(f"lifetime value: {written:,} customers scored as of {reference}; mean p_alive {scores['p_alive'].mean():.3f},"
        f" expected purchase days in 90 days {scores['expected_purchases_90d'].sum():,.0f},"
        f" 12-month CLV £{scores['clv_12_months'].sum():,.0f} in all")
    say(f"sales forecast: {len(planned)} days from {planned['forecast_date'].iloc[0]} to"
        f" {planned['forecast_date'].iloc[-1]}, £{planned['predicted_net_sales'].sum():,.0f} in all")
    for line in tested.lines() + (checked.lines() if checked else []):
        say(line)
    say(f"written to the schema predictions in {time.perf_counter() - started:.1f} s;"
        " `lgs build` joins them into marts.customer_predictions and the campaign lists")
