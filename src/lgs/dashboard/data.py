"""Every query of the dashboard, each on a mart, as the read-only analyst role."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st
from psycopg import sql

from lgs.database import current_connection
from lgs.exports import AUDIENCE_QUERY, export_segments
from lgs.settings import analyst_role

# Cached results live this long: a build publishes new marts, the page shows them soon after.
TTL_SECONDS = 60


@st.cache_resource
def _connection():
    connection = current_connection()
    conn = connection.connect(user=analyst_role(), password=os.environ.get("LGS_ANALYST_PASSWORD"), autocommit=True)
    conn.execute("set search_path = marts")
    return conn


def query(statement: str | sql.Composable, params: tuple | dict | None = None) -> pd.DataFrame:
    """Rows as a frame; numeric columns as floats (charts), dates and text as they are."""
    conn = _connection()
    if conn.closed or conn.broken:
        _connection.clear()
        conn = _connection()
    cursor = conn.execute(statement, params)
    frame = pd.DataFrame(cursor.fetchall(), columns=[c.name for c in cursor.description])
    numeric = conn.adapters.types["numeric"].oid
    for column in cursor.description:
        if column.type_code == numeric:
            frame[column.name] = frame[column.name].astype(float)
    return frame


@st.cache_data(ttl=TTL_SECONDS)
def monthly_kpis() -> pd.DataFrame:
    return query("select * from monthly_kpis order by month_start")


@st.cache_data(ttl=TTL_SECONDS)
def countries() -> list[str]:
    return query("select distinct country from dim_customers where country is not null order by 1")["country"].tolist()


@st.cache_data(ttl=TTL_SECONDS)
def segment_playbook() -> pd.DataFrame:
    return query("select segment, segment_order, description, recommended_campaign from rfm_segment_playbook"
                 " order by segment_order")


@st.cache_data(ttl=TTL_SECONDS)
def segment_sizes(country: str | None) -> pd.DataFrame:
    """Customers and revenue per segment (all countries: the summary mart; one: from the segments)."""
    if country is None:
        return query("select segment, segment_order, customers, revenue, share_of_customers_pct,"
                     " share_of_revenue_pct, recommended_campaign from rfm_segment_summary order by segment_order")
    return query(
        "select s.segment, p.segment_order, count(*) as customers, sum(s.monetary) as revenue,"
        " round(100.0 * count(*) / sum(count(*)) over (), 2) as share_of_customers_pct,"
        " round(100.0 * sum(s.monetary) / sum(sum(s.monetary)) over (), 2) as share_of_revenue_pct,"
        " p.recommended_campaign"
        " from rfm_segments s join dim_customers c using (customer_id)"
        " join rfm_segment_playbook p on p.segment = s.segment"
        " where c.country = %s group by s.segment, p.segment_order, p.recommended_campaign order by p.segment_order",
        (country,))


@st.cache_data(ttl=TTL_SECONDS)
def rf_grid(country: str | None) -> pd.DataFrame:
    return query(
        "select s.r_score, s.f_score, min(s.segment) as segment, count(*) as customers"
        " from rfm_segments s join dim_customers c using (customer_id)"
        " where %s::text is null or c.country = %s::text group by s.r_score, s.f_score",
        (country, country))


@st.cache_data(ttl=TTL_SECONDS)
def cohorts() -> pd.DataFrame:
    return query("select cohort_month, months_since_first_purchase, cohort_customers, active_customers,"
                 " retention_rate, net_sales, cumulative_net_sales_per_customer from cohort_retention"
                 " order by cohort_month, months_since_first_purchase")


@st.cache_data(ttl=TTL_SECONDS)
def month_ends() -> list:
    return query("select distinct month_end from rfm_history order by 1")["month_end"].tolist()


@st.cache_data(ttl=TTL_SECONDS)
def migration(from_month_end, to_month_end) -> pd.DataFrame:
    """Customers by segment at one month end and at another (any two, not only consecutive)."""
    return query(
        "select coalesce(a.segment, '(new)') as from_segment, coalesce(b.segment, '(lapsed)') as to_segment,"
        " count(*) as customers"
        " from (select customer_id, segment from rfm_history where month_end = %s) a"
        " full join (select customer_id, segment from rfm_history where month_end = %s) b using (customer_id)"
        " group by 1, 2", (from_month_end, to_month_end))


def customer(customer_id: int) -> dict[str, pd.DataFrame]:
    return {
        "profile": query("select * from dim_customers where customer_id = %s", (customer_id,)),
        "scores": query("select * from rfm_segments where customer_id = %s", (customer_id,)),
        "history": query("select month_end, segment, recency_days, frequency, monetary, rfm_code from rfm_history"
                         " where customer_id = %s order by month_end", (customer_id,)),
        "campaign": query("select top_products, recommended_products, recommended_campaign from campaign_audience"
                          " where customer_id = %s", (customer_id,)),
        "predictions": query("select p_alive, expected_purchases_90d, clv_12_months, churn_risk"
                             " from customer_predictions where customer_id = %s", (customer_id,)),
        "recommendations": query("select recommendation_rank, stock_code, description, reason, confidence, lift"
                                 " from customer_recommendations where customer_id = %s order by recommendation_rank",
                                 (customer_id,)),
        "orders": query("select invoice_id, invoiced_at, order_type, line_count, net_amount, purchase_amount"
                        " from fct_orders where customer_id = %s order by invoiced_at desc limit 50", (customer_id,)),
    }


def audience(segments: list[str], country: str | None, min_spend: float | None) -> pd.DataFrame:
    """The campaign list: the same query `lgs export` runs."""
    return query(AUDIENCE_QUERY, {"segments": segments, "country": country, "min_spend": min_spend})


@st.cache_data(ttl=TTL_SECONDS)
def campaign_file(segments: list[str], country: str | None, min_spend: float | None, fmt: str) -> bytes:
    """The bytes of the file `lgs export segment ... --country --min-spend` writes."""
    with tempfile.TemporaryDirectory(prefix="lgs-dashboard-") as folder:
        out = Path(folder) / f"campaign.{fmt}"
        export_segments(current_connection(), segments, fmt, out, analyst_role(), country=country, min_spend=min_spend)
        return out.read_bytes()
