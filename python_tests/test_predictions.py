"""Predictions (`lgs predict`): the dbt inputs equal pymc-marketing's own summary, the fits
recover known parameters from simulated customers, every sample customer is scored with a
sensible p_alive, the forecast and its backtest run end to end, and too little data is a
one-line error. The fits' quality on the real data is measured by `lgs predict --validate`
(see the README), not asserted here."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pymc_marketing")


@pytest.fixture(scope="module")
def predicted(lgs, tmp_path_factory):
    lgs.build_sample(tmp_path_factory.mktemp("predictions"), lines=20000, seed=61)
    result = lgs("predict", "--validate", timeout=900)
    lgs("build", "--select", "customer_predictions+", "sales_forecast")
    return lgs, result


@pytest.fixture(scope="module")
def compiled_here(lgs_home):
    """Fit in this process with the same PyTensor compile cache as `lgs predict`."""
    from lgs.predictions import quiet_compiler

    quiet_compiler(lgs_home)
    return lgs_home


def test_clv_inputs_equal_pymc_marketings_rfm_summary(predicted):
    from pymc_marketing.clv import rfm_summary

    lgs, _ = predicted
    days = pd.DataFrame(lgs.query("select customer_id, purchase_date, purchase_amount::float8"
                                  " from intermediate.int_customer_purchase_days"),
                        columns=["customer_id", "date", "amount"])
    days["date"] = pd.to_datetime(days["date"])
    reference = lgs.scalar("select rfm_as_of from intermediate.int_reference_date")
    expected = rfm_summary(days, "customer_id", "date", monetary_value_col="amount",
                           observation_period_end=str(reference)).set_index("customer_id").sort_index()
    actual = pd.DataFrame(lgs.query("select customer_id, frequency, recency, t, monetary_value"
                                    " from intermediate.int_customers_clv_inputs"),
                          columns=["customer_id", "frequency", "recency", "T", "monetary_value"]
                          ).set_index("customer_id").sort_index()
    assert list(actual.index) == list(expected.index) and len(actual) > 50
    for column in ("frequency", "recency", "T"):
        assert (actual[column].to_numpy() == expected[column].to_numpy()).all(), column
    assert np.allclose(actual["monetary_value"].to_numpy(float), expected["monetary_value"].to_numpy(float),
                       rtol=1e-9, atol=1e-6)
    # Two orders on one day are one purchase day: the inputs count days, not invoices.
    assert lgs.scalar("select count(*) from intermediate.int_customers_clv_inputs i"
                      " join marts.dim_customers c using (customer_id) where i.frequency + 1 < c.purchase_count") > 0


def test_every_sample_customer_gets_a_prediction(predicted):
    lgs, result = predicted
    scored, low, high = lgs.query("select count(*), min(p_alive), max(p_alive) from marts.customer_predictions")[0]
    assert scored == lgs.scalar("select count(*) from marts.rfm_segments") > 50
    assert 0 <= low < high <= 1
    assert lgs.scalar("select count(*) from marts.campaign_audience where p_alive is null") == 0
    assert set(r[0] for r in lgs.query("select distinct churn_risk from marts.customer_predictions")) <= {
        "high", "medium", "low"}
    assert "customers scored" in result.stdout and "validation:" in result.stdout


def test_validation_and_backtest_are_written_and_printed(predicted):
    lgs, result = predicted
    row = lgs.query("select holdout_days, customers, predicted_purchases, actual_purchases, mae_model, mae_baseline"
                    " from predictions.clv_validation order by run_id desc limit 1")[0]
    assert row[0] == 180 and row[1] > 20 and row[2] > 0 and row[3] > 0 and row[4] >= 0 and row[5] >= 0
    assert f"actual {row[3]:,}" in result.stdout
    forecast = lgs.query("select count(*), min(forecast_date), bool_and(lower_95 <= predicted_net_sales"
                         " and predicted_net_sales <= upper_95) from marts.sales_forecast")[0]
    assert forecast[0] == 28 and forecast[2]
    assert forecast[1] == lgs.scalar("select max(date_day) + 1 from marts.daily_sales")
    origins = lgs.query("select count(*), bool_and(horizon_days = 7) from predictions.sales_forecast_backtest")[0]
    assert origins == (12, True)
    assert "forecast backtest: 12 weekly origins" in result.stdout


def _simulate_mbgnbd(rng, customers: int, r: float, alpha: float, a: float, b: float) -> pd.DataFrame:
    """Customers buying at Poisson rates (gamma across customers) until they drop out, with a
    beta-distributed chance right after the first purchase and after each repeat purchase
    (the modified BG/NBD `lgs predict` fits), watched for T days."""
    rows = []
    for customer in range(customers):
        rate, drop, watched = rng.gamma(r, 1 / alpha), rng.beta(a, b), float(rng.integers(200, 720))
        now, count, last = 0.0, 0, 0.0
        while rng.random() >= drop:  # still active after the last purchase
            now += rng.exponential(1 / rate)
            if now > watched:
                break
            count, last = count + 1, now
        rows.append((customer, count, last, watched))
    return pd.DataFrame(rows, columns=["customer_id", "frequency", "recency", "T"])


def test_purchase_model_fit_recovers_known_parameters(compiled_here):
    from pymc_marketing.clv import ModifiedBetaGeoModel

    truth = {"r": 0.8, "alpha": 40.0, "a": 0.6, "b": 3.0}
    data = _simulate_mbgnbd(np.random.default_rng(7), 4000, **truth)
    model = ModifiedBetaGeoModel()
    model.fit(data, method="map", progressbar=False)
    fitted = model.fit_summary()
    # Stated tolerance: rate parameters within 20%, dropout parameters within 40% (they rest
    # on the fewer customers seen to drop out).
    for name, tolerance in (("r", 0.2), ("alpha", 0.2), ("a", 0.4), ("b", 0.4)):
        assert abs(float(fitted[name]) / truth[name] - 1) < tolerance, (name, float(fitted[name]), truth[name])


def test_gamma_gamma_fit_recovers_known_parameters(compiled_here):
    from pymc_marketing.clv import GammaGammaModel

    rng = np.random.default_rng(11)
    truth = {"p": 6.0, "q": 4.0, "v": 15.0}
    frequency = rng.integers(1, 12, size=3000)
    scale = rng.gamma(truth["q"], 1 / truth["v"], size=3000)  # each customer's spend rate
    spend = np.array([rng.gamma(truth["p"], 1 / s, size=n).mean() for s, n in zip(scale, frequency)])
    model = GammaGammaModel()
    model.fit(pd.DataFrame({"customer_id": range(3000), "frequency": frequency, "monetary_value": spend}),
              method="map", progressbar=False)
    fitted = model.fit_summary()
    for name in truth:  # stated tolerance: within 25%
        assert abs(float(fitted[name]) / truth[name] - 1) < 0.25, (name, float(fitted[name]), truth[name])


def test_a_long_gap_lowers_p_alive(predicted, compiled_here):
    from lgs.predictions import clv

    lgs, _ = predicted
    with __import__("psycopg").connect(lgs.url) as conn:
        summary, _ = clv.read_inputs(conn)
    fitted = clv.fit(summary)
    customers = pd.DataFrame({
        "customer_id": [1, 2, 3, 4],
        "frequency": [0.0, 0.0, 4.0, 4.0],
        "recency": [0.0, 0.0, 100.0, 390.0],
        "T": [600.0, 20.0, 400.0, 400.0],
        "monetary_value": [0.0, 0.0, 50.0, 50.0],
    })
    p_alive = clv.score(fitted, customers)["p_alive"].to_numpy()
    assert p_alive[0] < p_alive[1]  # one purchase, two years ago vs three weeks ago
    assert p_alive[2] < p_alive[3]  # four repeats, the last long ago vs recently
    assert ((0 <= p_alive) & (p_alive <= 1)).all()


def test_too_little_data_is_a_one_line_error(lgs, tmp_path):
    # Built: what `lgs predict` reads, and what it is built from.
    lgs.build_sample(tmp_path, lines=300, seed=62, build=(
        "--select", "+int_customers_clv_inputs", "+int_customer_purchase_days", "+daily_sales",
        "--indirect-selection", "cautious"))
    result = lgs("predict", check=False, timeout=600)
    assert result.returncode == 1 and result.stderr.count("\n") == 1, result.stderr
    assert "too little data" in result.stderr and "Traceback" not in result.stderr
