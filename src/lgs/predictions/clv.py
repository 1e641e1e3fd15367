"""Customer lifetime value: the (modified) BG/NBD for purchases and alive probability,
Gamma-Gamma for spend (pymc-marketing's `clv` models, MAP fits), on the inputs dbt computes
(`int_customers_clv_inputs`: repeat purchase days, recency, T, mean repeat spend, in days)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import numpy as np
import pandas as pd
import psycopg

from lgs.errors import LgsError

# Too few customers or repeat buyers and the fit is noise: refuse with a clear message.
MIN_CUSTOMERS = 20
MIN_REPEAT_CUSTOMERS = 10
# The CLV horizon and the monthly discount rate of `clv_12_months`.
CLV_MONTHS = 12
MONTHLY_DISCOUNT = 0.01
HOLDOUT_DAYS = 180


def model_version() -> str:
    import pymc_marketing

    return f"pymc-marketing {pymc_marketing.__version__} modified BG/NBD + Gamma-Gamma (MAP)"


def read_inputs(conn: psycopg.Connection) -> tuple[pd.DataFrame, date]:
    rows = conn.execute("select customer_id, frequency, recency, t, monetary_value, reference_date"
                        " from intermediate.int_customers_clv_inputs order by customer_id").fetchall()
    frame = pd.DataFrame(rows, columns=["customer_id", "frequency", "recency", "T", "monetary_value", "reference_date"])
    if frame.empty:
        raise LgsError("no customer with a purchase yet: load data and run `lgs build` first")
    reference = frame["reference_date"].iloc[0]
    frame = frame.drop(columns="reference_date").astype(
        {"frequency": float, "recency": float, "T": float, "monetary_value": float})
    return frame, reference


def read_purchase_days(conn: psycopg.Connection) -> pd.DataFrame:
    rows = conn.execute("select customer_id, purchase_date, purchase_amount"
                        " from intermediate.int_customer_purchase_days").fetchall()
    frame = pd.DataFrame(rows, columns=["customer_id", "purchase_date", "purchase_amount"])
    frame["purchase_date"] = pd.to_datetime(frame["purchase_date"])
    frame["purchase_amount"] = frame["purchase_amount"].astype(float)
    return frame


def _check_enough(summary: pd.DataFrame, what: str) -> None:
    repeat = int(((summary["frequency"] > 0) & (summary["monetary_value"] > 0)).sum())
    if len(summary) < MIN_CUSTOMERS or repeat < MIN_REPEAT_CUSTOMERS:
        raise LgsError(f"too little data to fit {what}: {len(summary)} customers with a purchase, {repeat} who"
                       f" bought again (need at least {MIN_CUSTOMERS} and {MIN_REPEAT_CUSTOMERS})")


@dataclass
class Fitted:
    purchases: object  # ModifiedBetaGeoModel
    spend: object  # GammaGammaModel


def fit(summary: pd.DataFrame, what: str = "the lifetime value models") -> Fitted:
    from pymc_marketing.clv import GammaGammaModel, ModifiedBetaGeoModel

    _check_enough(summary, what)
    # The modified BG/NBD: as BG/NBD, but a customer may also drop out right after the first
    # purchase. Plain BG/NBD says every one-time buyer is alive (p_alive = 1) however long
    # ago they bought, which would put two-year-old one-time buyers among the safest.
    purchases = ModifiedBetaGeoModel()
    purchases.fit(summary[["customer_id", "frequency", "recency", "T"]], method="map", progressbar=False)
    repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    spend = GammaGammaModel()
    spend.fit(repeat[["customer_id", "frequency", "monetary_value"]], method="map", progressbar=False)
    return Fitted(purchases, spend)


def _point(values) -> np.ndarray:
    """A MAP fit's prediction (one chain, one draw) as one value per customer."""
    return np.asarray(values.mean(dim=[d for d in ("chain", "draw") if d in values.dims]))


def score(fitted: Fitted, summary: pd.DataFrame) -> pd.DataFrame:
    data = summary[["customer_id", "frequency", "recency", "T", "monetary_value"]]
    p_alive = _point(fitted.purchases.expected_probability_alive(data=data))
    purchases_90d = _point(fitted.purchases.expected_purchases(data=data, future_t=90))
    spend = _point(fitted.spend.expected_customer_spend(data=data))
    clv = _point(fitted.spend.expected_customer_lifetime_value(
        transaction_model=fitted.purchases, data=data, future_t=CLV_MONTHS, discount_rate=MONTHLY_DISCOUNT,
        time_unit="D"))
    return pd.DataFrame({"customer_id": summary["customer_id"].to_numpy(), "p_alive": np.clip(p_alive, 0.0, 1.0),
                         "expected_purchases_90d": np.maximum(purchases_90d, 0.0),
                         "expected_average_spend": spend, "clv_12_months": clv})


def write_scores(conn: psycopg.Connection, scores: pd.DataFrame, reference: date) -> int:
    fitted_at = datetime.now(timezone.utc)
    version = model_version()
    rows = [(int(r.customer_id), float(r.p_alive), float(r.expected_purchases_90d), float(r.expected_average_spend),
             float(r.clv_12_months), reference, version, fitted_at) for r in scores.itertuples()]
    with conn.transaction():
        conn.execute("delete from predictions.customer_lifetime_value")
        with conn.cursor().copy("copy predictions.customer_lifetime_value (customer_id, p_alive,"
                                " expected_purchases_90d, expected_average_spend, clv_12_months, reference_date,"
                                " model_version, fitted_at) from stdin") as copy:
            for row in rows:
                copy.write_row(row)
    return len(rows)


@dataclass
class Validation:
    calibration_end: date
    holdout_end: date
    holdout_days: int
    customers: int
    predicted_purchases: float
    actual_purchases: int
    mae_model: float
    mae_baseline: float

    def lines(self) -> list[str]:
        share = self.predicted_purchases / self.actual_purchases - 1 if self.actual_purchases else float("nan")
        return [
            f"validation: calibration to {self.calibration_end}, holdout {self.holdout_days} days to {self.holdout_end},"
            f" {self.customers:,} customers",
            f"  holdout purchase days: predicted {self.predicted_purchases:,.0f}, actual {self.actual_purchases:,}"
            f" ({share:+.1%})",
            f"  mean absolute error per customer: model {self.mae_model:.3f}, naive rate baseline"
            f" {self.mae_baseline:.3f} ({'model better' if self.mae_model < self.mae_baseline else 'BASELINE BETTER'})",
        ]


def validate(days: pd.DataFrame, reference: date, holdout_days: int = HOLDOUT_DAYS) -> Validation:
    """Fit on the purchases before the last `holdout_days` days, predict each customer's
    purchase days in the holdout, compare with what they did. The baseline carries each
    customer's calibration rate of repeat purchase days (frequency / T) into the holdout."""
    from pymc_marketing.clv import rfm_train_test_split

    holdout_end = reference
    calibration_end = holdout_end - timedelta(days=holdout_days)
    split = rfm_train_test_split(days, "customer_id", "purchase_date", train_period_end=str(calibration_end),
                                 test_period_end=str(holdout_end), monetary_value_col="purchase_amount")
    if split.empty:
        raise LgsError(f"too little data to validate: no customer bought before {calibration_end}")
    span = float(split["test_T"].iloc[0])
    fitted = fit(split, "the lifetime value models on the calibration period")
    predicted = _point(fitted.purchases.expected_purchases(
        data=split[["customer_id", "frequency", "recency", "T"]], future_t=span))
    actual = split["test_frequency"].to_numpy(dtype=float)
    baseline = split["frequency"].to_numpy() / np.maximum(split["T"].to_numpy(), 1.0) * span
    return Validation(calibration_end, holdout_end, int(span), len(split), float(predicted.sum()), int(actual.sum()),
                      float(np.abs(predicted - actual).mean()), float(np.abs(baseline - actual).mean()))


def write_validation(conn: psycopg.Connection, result: Validation) -> None:
    conn.execute("insert into predictions.clv_validation (calibration_end, holdout_end, holdout_days, customers,"
                 " predicted_purchases, actual_purchases, mae_model, mae_baseline, model_version, fitted_at)"
                 " values (%s, %s, %s, %s, %s, %s, %s, %s, %s, now())",
                 (result.calibration_end, result.holdout_end, result.holdout_days, result.customers,
                  result.predicted_purchases, result.actual_purchases, result.mae_model, result.mae_baseline,
                  model_version()))
