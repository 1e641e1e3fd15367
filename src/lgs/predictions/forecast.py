"""Daily net sales, 28 days ahead, with 95% prediction intervals: a seasonal ARIMA with a
weekly season, (1,0,1)x(0,1,1,7) (statsmodels' SARIMAX), on `marts.daily_sales`. Checked by a rolling-origin
backtest over the last 12 weeks against the seasonal-naive forecast (same weekday a week
before), by WAPE: the sum of absolute errors over the sum of actual sales."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

import numpy as np
import pandas as pd
import psycopg

from lgs.errors import LgsError

HORIZON_DAYS = 28
BACKTEST_WEEKS = 12
# Fewer days than this and a weekly seasonal model has nothing to learn from.
MIN_DAYS = 8 * 7
ORDER = (1, 0, 1)
SEASONAL_ORDER = (0, 1, 1, 7)


def model_version() -> str:
    import statsmodels

    return f"statsmodels {statsmodels.__version__} SARIMAX{ORDER}x{SEASONAL_ORDER}"


def read_daily_sales(conn: psycopg.Connection) -> pd.Series:
    rows = conn.execute("select date_day, net_sales from marts.daily_sales order by date_day").fetchall()
    series = pd.Series([float(r[1]) for r in rows], index=pd.DatetimeIndex([r[0] for r in rows], freq="D"
                       if rows else None), name="net_sales")
    return series


def _fit(history: pd.Series):
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    # A weekly seasonal difference (this week like last week's shape) with short-term ARMA
    # terms: on the real data it beats the seasonal-naive forecast in the backtest, where an
    # undifferenced seasonal ARMA did not.
    model = SARIMAX(history.to_numpy(), order=ORDER, seasonal_order=SEASONAL_ORDER,
                    enforce_stationarity=False, enforce_invertibility=False)
    return model.fit(disp=False, maxiter=200)


def forecast(series: pd.Series, horizon: int = HORIZON_DAYS) -> pd.DataFrame:
    if len(series) < MIN_DAYS:
        raise LgsError(f"too little data to forecast: {len(series)} days of sales (need at least {MIN_DAYS})")
    fitted = _fit(series)
    prediction = fitted.get_forecast(horizon)
    bounds = np.asarray(prediction.conf_int(alpha=0.05))
    days = pd.date_range(series.index[-1] + pd.Timedelta(days=1), periods=horizon, freq="D")
    return pd.DataFrame({"forecast_date": days.date, "predicted_net_sales": np.asarray(prediction.predicted_mean),
                         "lower_95": bounds[:, 0], "upper_95": bounds[:, 1]})


@dataclass
class Backtest:
    rows: pd.DataFrame  # one row per origin

    @property
    def model_wape(self) -> float:
        return float(self.rows["model_abs_error"].sum() / self.rows["actual_net_sales"].abs().sum())

    @property
    def naive_wape(self) -> float:
        return float(self.rows["naive_abs_error"].sum() / self.rows["actual_net_sales"].abs().sum())

    def lines(self) -> list[str]:
        return [f"forecast backtest: {len(self.rows)} weekly origins, 7 days ahead each: WAPE model"
                f" {self.model_wape:.1%}, seasonal naive {self.naive_wape:.1%}"
                f" ({'model better' if self.model_wape < self.naive_wape else 'NAIVE BETTER'})"]


def backtest(series: pd.Series, weeks: int = BACKTEST_WEEKS) -> Backtest:
    """Rolling origin: for each of the last `weeks` weeks, fit on the days before it and
    forecast its 7 days; the seasonal-naive forecast repeats the week before."""
    if len(series) < MIN_DAYS + weeks * 7:
        raise LgsError(f"too little data for the forecast backtest: {len(series)} days of sales"
                       f" (need at least {MIN_DAYS + weeks * 7})")
    values = series.to_numpy()
    rows = []
    for week in range(weeks, 0, -1):
        origin = len(values) - week * 7
        actual = values[origin:origin + 7]
        model = np.asarray(_fit(series.iloc[:origin]).forecast(7))
        naive = values[origin - 7:origin]
        rows.append({"origin_date": series.index[origin].date(), "horizon_days": 7,
                     "actual_net_sales": float(actual.sum()), "model_net_sales": float(model.sum()),
                     "naive_net_sales": float(naive.sum()),
                     "model_abs_error": float(np.abs(model - actual).sum()),
                     "naive_abs_error": float(np.abs(naive - actual).sum())})
    return Backtest(pd.DataFrame(rows))


def write_forecast(conn: psycopg.Connection, frame: pd.DataFrame, trained_through: date) -> None:
    fitted_at, version = datetime.now(timezone.utc), model_version()
    with conn.transaction():
        conn.execute("delete from predictions.sales_forecast")
        for row in frame.itertuples():
            conn.execute("insert into predictions.sales_forecast values (%s, %s, %s, %s, %s, %s, %s)",
                         (row.forecast_date, float(row.predicted_net_sales), float(row.lower_95), float(row.upper_95),
                          trained_through, version, fitted_at))


def write_backtest(conn: psycopg.Connection, result: Backtest) -> None:
    fitted_at, version = datetime.now(timezone.utc), model_version()
    with conn.transaction():
        conn.execute("delete from predictions.sales_forecast_backtest")
        for row in result.rows.itertuples():
            actual = abs(row.actual_net_sales) or float("nan")
            conn.execute("insert into predictions.sales_forecast_backtest values (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                         (row.origin_date, row.horizon_days, row.actual_net_sales, row.model_net_sales,
                          row.naive_net_sales, row.model_abs_error / actual, row.naive_abs_error / actual,
                          version, fitted_at))
