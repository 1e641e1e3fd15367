"""The dashboard's pages. Each reads marts through `data` and draws pictures with Altair
(rendered in the browser by Streamlit's own bundle: no request leaves the machine)."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from lgs.dashboard import data

MONEY = "£{:,.0f}"


def _money(value: float) -> str:
    return MONEY.format(value)


def _change(now: float, then: float | None) -> str | None:
    if then in (None, 0) or pd.isna(then):
        return None
    return f"{100.0 * (now - then) / abs(then):+.1f}%"


# -- Overview -----------------------------------------------------------------------------
MONTH_FIGURES = [("Net sales", "net_sales", True), ("Orders placed", "orders_placed", False),
                 ("Active customers", "active_customers", False), ("New customers", "new_customers", False),
                 ("Returning customers", "returning_customers", False)]


def _month_metrics(month: pd.Series, year_before: pd.Series | None = None, compare: bool = False) -> None:
    """One metric per figure of a `monthly_kpis` row; with `compare`, its change against the
    same month a year before (none when that month is not in the data)."""
    for column, (label, field, money) in zip(st.columns(len(MONTH_FIGURES)), MONTH_FIGURES):
        value = float(month[field])
        shown = _money(value) if money else f"{value:,.0f}"
        if compare:
            before = None if year_before is None else float(year_before[field])
            column.metric(label, shown, _change(value, before), help="Change against the same month a year before.")
        else:
            column.metric(label, shown)


def overview() -> None:
    st.title("Overview")
    kpis = data.monthly_kpis()
    if kpis.empty:
        st.info("No months yet: load data and run `lgs build`.")
        return
    latest = kpis.iloc[-1]
    complete = kpis[~kpis["is_partial_month"]]
    last_complete = complete.iloc[-1] if not complete.empty else latest
    year_ago_month = (pd.Timestamp(last_complete["month_start"]) - pd.DateOffset(years=1)).date()
    year_ago = kpis[kpis["month_start"] == year_ago_month]
    year_ago = year_ago.iloc[0] if not year_ago.empty else None
    st.caption(
        f"Latest month {latest['month_start']:%B %Y}{' (partial: the data ends within it)' if latest['is_partial_month'] else ''};"
        f" last complete month {last_complete['month_start']:%B %Y}, compared with a year before"
        f"{'' if year_ago is not None else ' (not in the data)'}.")
    st.subheader(f"Last complete month: {last_complete['month_start']:%B %Y}")
    _month_metrics(last_complete, year_ago, compare=True)
    if latest["is_partial_month"]:
        st.subheader(f"This month so far: {latest['month_start']:%B %Y} (partial)")
        _month_metrics(latest)
    st.subheader("Monthly trends")
    trend = kpis.assign(month=pd.to_datetime(kpis["month_start"]),
                        month_kind=kpis["is_partial_month"].map({True: "partial month", False: "complete month"}))
    base = alt.Chart(trend).encode(x=alt.X("month:T", title=None))
    sales = base.mark_line(color="#8b1f5f").encode(y=alt.Y("net_sales:Q", title="Net sales (£)")) + base.mark_point(
        filled=True, size=70).encode(
        y="net_sales:Q",
        shape=alt.Shape("month_kind:N", title=None, scale=alt.Scale(range=["circle", "triangle-down"])),
        color=alt.Color("month_kind:N", title=None, scale=alt.Scale(range=["#8b1f5f", "#e08a00"])),
        tooltip=[alt.Tooltip("month:T", format="%B %Y"), alt.Tooltip("net_sales:Q", format=",.0f"), "month_kind:N"])
    st.altair_chart(sales.properties(height=280), use_container_width=True)
    customers = trend.melt(id_vars=["month", "month_kind"], value_vars=["new_customers", "returning_customers"],
                           var_name="customers", value_name="count")
    st.altair_chart(alt.Chart(customers).mark_bar().encode(
        x=alt.X("month:T", title=None), y=alt.Y("count:Q", title="Active customers"),
        color=alt.Color("customers:N", title=None, scale=alt.Scale(range=["#1f5f8b", "#9ecae1"])),
        opacity=alt.condition("datum.month_kind == 'partial month'", alt.value(0.45), alt.value(1.0)),
        tooltip=[alt.Tooltip("month:T", format="%B %Y"), "customers:N", "count:Q"],
    ).properties(height=240), use_container_width=True)
    st.caption("Partial months (the data covers them only in part) are marked and have no growth figure.")


# -- Segments -----------------------------------------------------------------------------
def segments() -> None:
    st.title("Segments")
    country = st.selectbox("Country", ["All countries", *data.countries()], key="segments_country")
    chosen = None if country == "All countries" else country
    sizes = data.segment_sizes(chosen)
    playbook = data.segment_playbook()
    counts = dict(zip(sizes["segment"], sizes["customers"]))
    columns = st.columns(5)
    for index, segment in enumerate(playbook["segment"]):
        columns[index % 5].metric(segment, f"{int(counts.get(segment, 0)):,}")
    left, right = st.columns([3, 2])
    grid = data.rf_grid(chosen)
    with left:
        st.subheader("Recency x frequency")
        heat = alt.Chart(grid).encode(
            x=alt.X("f_score:O", title="Frequency score (5 = most purchases)"),
            y=alt.Y("r_score:O", title="Recency score (5 = most recent)", sort="descending"),
        )
        st.altair_chart(
            (heat.mark_rect().encode(color=alt.Color("segment:N", title="Segment",
                                                      scale=alt.Scale(scheme="tableau10")),
                                     tooltip=["segment:N", "customers:Q", "r_score:O", "f_score:O"])
             + heat.mark_text(fontSize=13).encode(text="customers:Q")).properties(height=380),
            use_container_width=True)
    with right:
        st.subheader("Share of customers and revenue")
        shares = sizes.melt(id_vars=["segment"], value_vars=["share_of_customers_pct", "share_of_revenue_pct"],
                            var_name="share", value_name="percent")
        shares["share"] = shares["share"].map({"share_of_customers_pct": "customers", "share_of_revenue_pct": "revenue"})
        st.altair_chart(alt.Chart(shares).mark_bar().encode(
            y=alt.Y("segment:N", sort=list(playbook["segment"]), title=None),
            x=alt.X("percent:Q", title="% of all"), yOffset="share:N",
            color=alt.Color("share:N", title=None, scale=alt.Scale(range=["#1f5f8b", "#8b1f5f"])),
            tooltip=["segment:N", "share:N", alt.Tooltip("percent:Q", format=".1f")],
        ).properties(height=380), use_container_width=True)
    st.subheader("Playbook")
    st.dataframe(playbook[["segment", "description", "recommended_campaign"]], hide_index=True,
                 use_container_width=True)


# -- Cohorts ------------------------------------------------------------------------------
def cohorts() -> None:
    st.title("Cohorts")
    frame = data.cohorts()
    if frame.empty:
        st.info("No purchases yet.")
        return
    frame = frame.assign(cohort=pd.to_datetime(frame["cohort_month"]).dt.strftime("%Y-%m"))
    st.subheader("Retention: share of each cohort buying again, by months since the first purchase")
    st.altair_chart(alt.Chart(frame).mark_rect().encode(
        x=alt.X("months_since_first_purchase:O", title="Months since first purchase"),
        y=alt.Y("cohort:O", title="Cohort (month of first purchase)"),
        color=alt.Color("retention_rate:Q", title="Retention", scale=alt.Scale(scheme="blues", domain=[0, 0.5],
                                                                               clamp=True)),
        tooltip=["cohort:O", "months_since_first_purchase:O", "cohort_customers:Q", "active_customers:Q",
                 alt.Tooltip("retention_rate:Q", format=".1%")],
    ).properties(height=520), use_container_width=True)
    st.subheader("Cumulative purchase amount per customer, by cohort")
    st.altair_chart(alt.Chart(frame).mark_line().encode(
        x=alt.X("months_since_first_purchase:Q", title="Months since first purchase"),
        y=alt.Y("cumulative_net_sales_per_customer:Q", title="£ per customer"),
        color=alt.Color("cohort:O", title="Cohort", scale=alt.Scale(scheme="viridis")),
        tooltip=["cohort:O", "months_since_first_purchase:Q",
                 alt.Tooltip("cumulative_net_sales_per_customer:Q", format=",.0f")],
    ).properties(height=360), use_container_width=True)


# -- Migration ----------------------------------------------------------------------------
def migration() -> None:
    st.title("Migration")
    ends = data.month_ends()
    if len(ends) < 2:
        st.info("The history needs two month ends.")
        return
    left, right = st.columns(2)
    start = left.selectbox("From month end", ends, index=max(0, len(ends) - 4), key="migration_from")
    end = right.selectbox("To month end", ends, index=len(ends) - 1, key="migration_to")
    moves = data.migration(start, end)
    stayed = int(moves.loc[moves["from_segment"] == moves["to_segment"], "customers"].sum())
    st.caption(f"{int(moves['customers'].sum()):,} customers; {stayed:,} kept their segment."
               " `(new)`: no purchase yet at the first date.")
    order = [*data.segment_playbook()["segment"], "(new)", "(lapsed)"]
    heat = alt.Chart(moves).encode(
        x=alt.X("to_segment:N", sort=order, title=f"Segment at {end}"),
        y=alt.Y("from_segment:N", sort=order, title=f"Segment at {start}"),
    )
    st.altair_chart(
        (heat.mark_rect().encode(color=alt.Color("customers:Q", scale=alt.Scale(scheme="purples", type="sqrt")),
                                 tooltip=["from_segment:N", "to_segment:N", "customers:Q"])
         + heat.mark_text(fontSize=12).encode(text="customers:Q")).properties(height=460),
        use_container_width=True)


# -- Customer -----------------------------------------------------------------------------
def customer() -> None:
    st.title("Customer")
    wanted = st.number_input("Customer id", min_value=0, step=1, value=None, placeholder="e.g. 12346",
                             key="customer_id")
    if wanted is None:
        st.info("Type a customer id.")
        return
    found = data.customer(int(wanted))
    if found["profile"].empty:
        st.warning(f"No customer {int(wanted)}.")
        return
    profile = found["profile"].iloc[0]
    scores = found["scores"]
    columns = st.columns(5)
    columns[0].metric("Country", str(profile["country"]))
    columns[1].metric("Segment", scores.iloc[0]["segment"] if not scores.empty else "no purchase")
    columns[2].metric("RFM", scores.iloc[0]["rfm_code"] if not scores.empty else "-")
    columns[3].metric("Purchases", f"{int(profile['purchase_count']):,}")
    columns[4].metric("Spend", _money(float(profile["purchase_revenue"] or 0)))
    predictions = found["predictions"]
    if not predictions.empty:
        row = predictions.iloc[0]
        columns = st.columns(4)
        columns[0].metric("Still active (p_alive)", f"{row['p_alive']:.0%}")
        columns[1].metric("Churn risk", row["churn_risk"])
        columns[2].metric("Purchase days, next 90", f"{row['expected_purchases_90d']:.1f}")
        columns[3].metric("12-month value", _money(float(row["clv_12_months"])))
    history = found["history"]
    if not history.empty:
        st.subheader("Segment at each month end")
        st.altair_chart(alt.Chart(history.assign(month_end=pd.to_datetime(history["month_end"]))).mark_circle(
            size=120).encode(
            x=alt.X("month_end:T", title=None), y=alt.Y("segment:N", sort=list(data.segment_playbook()["segment"]),
                                                        title=None),
            color=alt.Color("segment:N", legend=None, scale=alt.Scale(scheme="tableau10")),
            tooltip=[alt.Tooltip("month_end:T"), "segment:N", "rfm_code:N", "frequency:Q",
                     alt.Tooltip("monetary:Q", format=",.0f")],
        ).properties(height=260), use_container_width=True)
    campaign = found["campaign"]
    if not campaign.empty:
        row = campaign.iloc[0]
        st.markdown(f"**Campaign:** {row['recommended_campaign']}")
        st.markdown(f"**Buys most:** {row['top_products'] or '-'}")
    st.subheader("Recommended products")
    if found["recommendations"].empty:
        st.write("None: nothing this customer has not bought yet goes often with what they buy.")
    else:
        shown = found["recommendations"].set_index("recommendation_rank")
        st.table(shown.style.format({"confidence": "{:.0%}", "lift": "{:.1f}"}))
    st.subheader("Latest orders")
    st.dataframe(found["orders"], hide_index=True, use_container_width=True)


# -- Campaigns ----------------------------------------------------------------------------
def campaigns() -> None:
    st.title("Campaigns")
    playbook = data.segment_playbook()
    left, middle, right = st.columns([3, 2, 1])
    chosen = left.multiselect("Segments", list(playbook["segment"]), default=["Can't Lose"], key="campaign_segments")
    country = middle.selectbox("Country", ["All countries", *data.countries()], key="campaign_country")
    min_spend = right.number_input("Minimum spend (£)", min_value=0.0, value=0.0, step=100.0, key="campaign_min_spend")
    if not chosen:
        st.info("Pick at least one segment.")
        return
    where = None if country == "All countries" else country
    spend = min_spend or None
    audience = data.audience(chosen, where, spend)
    st.metric("Customers in the audience", f"{len(audience):,}")
    for segment in chosen:
        campaign = playbook.loc[playbook["segment"] == segment, "recommended_campaign"].iloc[0]
        st.markdown(f"**{segment}**: {campaign}")
    st.dataframe(audience, hide_index=True, use_container_width=True, height=360)
    name = "_".join(s.lower().replace("'", "").replace(" ", "_") for s in chosen)
    one, two = st.columns(2)
    one.download_button("Download CSV", data.campaign_file(chosen, where, spend, "csv"), file_name=f"{name}.csv",
                        mime="text/csv", key="download_csv")
    two.download_button("Download XLSX", data.campaign_file(chosen, where, spend, "xlsx"), file_name=f"{name}.xlsx",
                        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="download_xlsx")
