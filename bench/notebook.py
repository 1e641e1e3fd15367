"""The London Gift Shop notebook's computations in pandas: the peer the warehouse must beat
and the oracle the tests compare the marts with.

Two versions of the same computations, each from a file to the same three results:
`vectorised` (built on `read`/`rfm`/`monthly`/`invoice_distribution`), and `notebook_style`,
written the way the original notebook does it (CSV read with date parsing, per-group
lambdas, a regex map for segments). Both give the same answers (python_tests/test_bench.py);
the bench times both.

Definitions follow ../shared/DESIGN.md ("Business rules"), which the marts reproduce
exactly with `--vars '{rfm_scoring: quantile, rfm_as_of: "2012-01-01",
dedupe_exact_duplicates: false}'`.

    python bench/notebook.py PATH|POSTGRESQL_URI [--as-of 2012-01-01] [--style notebook|vectorised]

A PostgreSQL URI (`lgs db url`) reads raw.retail_transactions with pandas, as the seeds'
notebook did.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import pandas as pd

COLUMNS = {
    "Invoice": "invoice", "InvoiceNo": "invoice", "StockCode": "stock_code", "Description": "description",
    "Quantity": "quantity", "InvoiceDate": "invoice_date", "Price": "unit_price", "UnitPrice": "unit_price",
    "Customer ID": "customer_id", "CustomerID": "customer_id", "Country": "country",
}
SEGMENTS = {
    r"[1-2][1-2]": "Hibernating",
    r"[1-2][3-4]": "At Risk",
    r"[1-2]5": "Can't Lose",
    r"3[1-2]": "About to Sleep",
    r"33": "Need Attention",
    r"[3-4][4-5]": "Loyal Customers",
    r"41": "Promising",
    r"51": "New Customers",
    r"[4-5][2-3]": "Potential Loyalists",
    r"5[4-5]": "Champions",
}


# The raw table as the seeds' notebook read it from PostgreSQL, under the file's column names.
RAW_QUERY = """
    select invoice as "Invoice", stock_code as "StockCode", description as "Description",
           quantity as "Quantity", invoice_date as "InvoiceDate", cast(unit_price as float8) as "Price",
           cast(customer_id as float8) as "Customer ID", country as "Country"
    from raw.retail_transactions"""


def from_postgres(source: str | Path) -> pd.DataFrame | None:
    """The raw table read with pandas when `source` is a PostgreSQL URI, else None."""
    if not str(source).startswith("postgresql://"):
        return None
    import warnings

    import psycopg

    with psycopg.connect(str(source)) as conn, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # pandas prefers SQLAlchemy; psycopg works
        return pd.read_sql(RAW_QUERY, conn)


def read(path: str | Path) -> pd.DataFrame:
    frame = from_postgres(path)
    if frame is not None:
        pass
    elif (path := Path(path)).suffix == ".parquet":
        frame = pd.read_parquet(path)
    else:
        frame = pd.read_csv(path, dtype={"Invoice": str, "InvoiceNo": str, "StockCode": str})
    frame = frame.rename(columns=COLUMNS)
    frame["invoice_date"] = pd.to_datetime(frame["invoice_date"])
    frame["amount"] = frame["quantity"] * frame["unit_price"]
    return frame


def rfm(frame: pd.DataFrame, as_of: str | None = None) -> pd.DataFrame:
    """Customer RFM with pandas qcut, as the notebook scores it."""
    invoice = frame["invoice"].astype(str)
    sales = frame[
        ~invoice.str.startswith(("C", "A")) & (frame["quantity"] > 0) & (frame["unit_price"] > 0)
        & frame["customer_id"].notna()
    ]
    reference = pd.Timestamp(as_of) if as_of else frame["invoice_date"].max().normalize() + pd.Timedelta(days=1)
    table = sales.groupby(sales["customer_id"].astype(int)).agg(
        last=("invoice_date", "max"), frequency=("invoice", "nunique"), monetary=("amount", "sum")
    )
    table["recency"] = (reference - table["last"]).dt.days
    table["r"] = pd.qcut(table["recency"], 5, labels=[5, 4, 3, 2, 1]).astype(int)
    table["f"] = pd.qcut(table["frequency"].rank(method="first"), 5, labels=[1, 2, 3, 4, 5]).astype(int)
    table["m"] = pd.qcut(table["monetary"], 5, labels=[1, 2, 3, 4, 5]).astype(int)
    code = table["r"].astype(str) + table["f"].astype(str)
    table["segment"] = code.map(lambda rf: next(name for pattern, name in SEGMENTS.items() if re.fullmatch(pattern, rf)))
    return table


def monthly(frame: pd.DataFrame) -> pd.DataFrame:
    """The notebook's monthly questions, counted as DESIGN defines them."""
    invoice = frame["invoice"].astype(str)
    month = frame["invoice_date"].dt.to_period("M")
    is_cancel = invoice.str.startswith("C")
    is_adjust = invoice.str.startswith("A")
    is_sale = ~is_cancel & ~is_adjust & (frame["quantity"] > 0)
    customers = frame["customer_id"].dropna()
    first_month = frame.loc[customers.index].groupby(customers)["invoice_date"].min().dt.to_period("M")
    result = pd.DataFrame({
        "orders_placed": invoice[~is_cancel & ~is_adjust].groupby(month).nunique(),
        "orders_cancelled": invoice[is_cancel].groupby(month).nunique(),
        "gross_sales": frame["amount"][is_sale].groupby(month).sum(),
        "net_sales": frame["amount"].groupby(month).sum(),
        "active_customers": frame["customer_id"].groupby(month).nunique(),
        "new_customers": first_month.value_counts(),
    }).fillna(0)
    result["net_sales_growth_pct"] = result["net_sales"].pct_change() * 100
    return result


def invoice_distribution(frame: pd.DataFrame) -> dict[str, float]:
    amounts = frame.groupby("invoice")["amount"].sum()
    amounts = amounts[amounts > 0]
    below = amounts[amounts <= amounts.quantile(0.85)]
    return {
        "min": amounts.min(), "max": amounts.max(), "median": amounts.median(), "mode": amounts.mode().iloc[0],
        "mean": amounts.mean(), "mean_below_p85": below.mean(), "median_below_p85": below.median(),
    }


def vectorised(path: str | Path, as_of: str | None = None) -> dict[str, object]:
    """The notebook's computations with vectorised pandas: the faster peer."""
    frame = read(path)
    return {"distribution": invoice_distribution(frame), "months": monthly(frame), "rfm": rfm(frame, as_of)}


def notebook_style(path: str | Path, as_of: str | None = None) -> dict[str, object]:
    """The notebook's computations in the notebook's own idiom: the slower peer.

    Same definitions as the vectorised functions above, so the two can be compared.
    """
    df = from_postgres(path)
    if df is not None:
        pass
    elif (path := Path(path)).suffix == ".parquet":
        df = pd.read_parquet(path)
        df["InvoiceDate"] = pd.to_datetime(df["InvoiceDate"])
    else:
        df = pd.read_csv(path, dtype={"Invoice": str, "InvoiceNo": str, "StockCode": str}, parse_dates=["InvoiceDate"])
    df = df.rename(columns=COLUMNS)
    df["amount"] = df["quantity"] * df["unit_price"]
    df["invoice"] = df["invoice"].astype(str)

    # Invoice amount distribution.
    invoice_amounts = df.groupby("invoice").agg({"amount": "sum"})["amount"]
    invoice_amounts = invoice_amounts[invoice_amounts > 0]
    p85 = invoice_amounts.quantile(0.85)
    below = invoice_amounts[invoice_amounts <= p85]
    distribution = {
        "min": invoice_amounts.min(), "max": invoice_amounts.max(), "median": invoice_amounts.median(),
        "mode": invoice_amounts.mode().iloc[0], "mean": invoice_amounts.mean(),
        "mean_below_p85": below.mean(), "median_below_p85": below.median(),
    }

    # Monthly placed and cancelled orders, sales and growth, active and new customers.
    df["month"] = df["invoice_date"].apply(lambda d: d.year * 100 + d.month)
    df["kind"] = df["invoice"].apply(lambda i: "cancel" if i.startswith("C") else "adjust" if i.startswith("A") else "order")
    orders = df[df["kind"] == "order"]
    months = pd.DataFrame({
        "orders_placed": orders.groupby("month")["invoice"].nunique(),
        "orders_cancelled": df[df["kind"] == "cancel"].groupby("month")["invoice"].nunique(),
        "gross_sales": orders[orders["quantity"] > 0].groupby("month")["amount"].sum(),
        "net_sales": df.groupby("month")["amount"].sum(),
        "active_customers": df.groupby("month")["customer_id"].nunique(),
    })
    first_month = df.dropna(subset=["customer_id"]).groupby("customer_id")["month"].min()
    months["new_customers"] = first_month.value_counts()
    months = months.fillna(0)
    months["net_sales_growth_pct"] = months["net_sales"].pct_change() * 100

    # RFM, scored with qcut, segments from the R and F digits.
    sales = orders[(orders["quantity"] > 0) & (orders["unit_price"] > 0)].dropna(subset=["customer_id"])
    reference = pd.Timestamp(as_of) if as_of else df["invoice_date"].max().normalize() + pd.Timedelta(days=1)
    table = sales.groupby(sales["customer_id"].astype(int)).agg({
        "invoice_date": lambda dates: (reference - dates.max()).days,
        "invoice": lambda invoices: invoices.nunique(),
        "amount": lambda amounts: amounts.sum(),
    })
    table.columns = ["recency", "frequency", "monetary"]
    table["r"] = pd.qcut(table["recency"], 5, labels=[5, 4, 3, 2, 1]).astype(int)
    table["f"] = pd.qcut(table["frequency"].rank(method="first"), 5, labels=[1, 2, 3, 4, 5]).astype(int)
    table["m"] = pd.qcut(table["monetary"], 5, labels=[1, 2, 3, 4, 5]).astype(int)
    table["segment"] = (table["r"].astype(str) + table["f"].astype(str)).replace(
        {f"^{pattern}$": name for pattern, name in SEGMENTS.items()}, regex=True
    )
    return {"distribution": distribution, "months": months, "rfm": table}


# The two peers by the name the bench and `--style` use.
STYLES = {"vectorised": vectorised, "notebook": notebook_style}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--as-of", default=None)
    parser.add_argument("--style", choices=["both", *STYLES], default="both")
    args = parser.parse_args(argv)
    for style, compute in STYLES.items():
        if args.style in ("both", style):
            started = time.perf_counter()
            result = compute(args.path, args.as_of)
            print(f"{style}: read + computations {time.perf_counter() - started:.2f} s;"
                  f" {len(result['rfm']):,} customers, {len(result['months'])} months")
    return 0


if __name__ == "__main__":
    sys.exit(main())
