"""Incremental refresh by load batch: after several incremental builds (new day, late lines,
cancellations of older invoices, a re-sent file, a replaced batch) every mart equals a full
refresh exactly, and each build staged only the new batches."""

from __future__ import annotations

import re

import psycopg

from conftest import FACTS_TABLE, UCI_HEADER, digest, write_csv

MARTS = ["fct_sales", "fct_orders", "dim_customers", "dim_products", "dim_dates", "rfm_segments",
         "rfm_segment_summary", "monthly_kpis", "campaign_audience", "dropped_duplicate_lines",
         "rfm_history", "segment_migration", "cohort_retention", "product_affinity", "customer_recommendations",
         "sales_by_country_month", "sales_seasonality"]


def _snapshot(lgs) -> dict[str, tuple]:
    tables = [f"marts.{m}" for m in MARTS] + ["intermediate.int_invoice_lines_ranked",
                                              "intermediate.int_invoice_lines_deduplicated", "intermediate.int_orders",
                                              "intermediate.int_order_products", "intermediate.int_customer_products",
                                              "intermediate.int_product_descriptions", "intermediate.int_product_pairs",
                                              "intermediate.int_customer_recommendation_picks"]
    return {table: digest(lgs, table) for table in tables}


def _increment(build_output: str, model: str = "fct_sales") -> int | None:
    """Rows a build computed for a mart (by default the facts) as an increment to the published
    ones, None when it built the mart whole."""
    found = re.search(rf"published_increment model marts_build\.{model} \.* *\S*\[\S*INSERT 0 (\d+)", build_output)
    assert f"published_increment model marts_build.{model}" in build_output, build_output[-2000:]
    return int(found.group(1)) if found else None


def _inserted(build_output: str, model: str = "int_invoice_lines_ranked") -> int:
    """Rows an incremental model added in this build (by default: lines ranked)."""
    found = re.search(rf"incremental model intermediate\.{model} \.* *\S*\[\S*INSERT 0 (\d+)", build_output)
    assert found, build_output[-2000:]
    return int(found.group(1))


def test_incremental_builds_equal_a_full_refresh(lgs, tmp_path):
    lgs.reset()
    base, day = tmp_path / "base.csv", tmp_path / "day.csv"
    lgs("generate", "--lines", "8000", "--seed", "31", "--out", str(base))
    lgs("generate", "--lines", "1500", "--seed", "32", "--out", str(day))
    lgs("load", str(base))
    lgs("build")

    # A day of new invoices only: the pair counts take its baskets' pairs by addition (only
    # the pairs it holds are written), and still equal a count of every basket.
    lgs("generate", "--lines", "600", "--seed", "33", "--out", str(tmp_path / "new_day.csv"))
    lgs("load", "--allow-mixed", str(tmp_path / "new_day.csv"))
    facts = lgs.scalar(FACTS_TABLE)
    built = lgs("build").stdout
    # The published facts took the day's lines in place (materialization published_increment):
    # the same table, and the build wrote only the day's lines for it.
    assert lgs.scalar(FACTS_TABLE) == facts
    assert _increment(built) == lgs.scalar("select count(*) from marts.fct_sales where source_file = 'new_day.csv'") > 0
    # So did the unusual lines, of which the sample has none: an empty published table holds
    # its rows through the last passed build that computed it, which passed_builds names.
    assert lgs.scalar("select count(*) from marts.unusual_lines") == 0
    assert _increment(built, "unusual_lines") == 0
    assert lgs.query("select increment_models from marts.passed_builds order by build_number") == [
        ("dropped_duplicate_lines,fct_sales,unusual_lines",)] * 2
    pairs = lgs.scalar("select count(*) from intermediate.int_product_pairs")
    assert 0 < _inserted(built, "int_product_pairs") < pairs / 2
    assert 0 < _inserted(built, "int_product_descriptions") < lgs.scalar(
        "select count(*) from intermediate.int_product_descriptions")
    recount = lgs.query(
        "with baskets as (select invoice_id, stock_code from intermediate.int_order_products where is_basket)"
        " select a.stock_code, b.stock_code, count(*) from baskets a join baskets b"
        " on a.invoice_id = b.invoice_id and a.stock_code <= b.stock_code group by 1, 2 order by 1, 2")
    assert recount == lgs.query("select stock_code_a, stock_code_b, orders_with_both"
                                " from intermediate.int_product_pairs order by 1, 2")
    # The recommendations were picked again for some customers only, and the picks kept for
    # the others are what picking for every customer gives.
    picks = "intermediate.int_customer_recommendation_picks"
    assert 0 < lgs.scalar(f"select count(distinct customer_id) from {picks} where through_batch_id ="
                          f" (select max(through_batch_id) from {picks})") < lgs.scalar(
        f"select count(distinct customer_id) from {picks}")
    picked = digest(lgs, picks)
    lgs("dbt", "run", "--target", "prod", "--full-refresh", "--select", "int_customer_recommendation_picks")
    assert digest(lgs, picks) == picked

    # A new day, plus late lines and cancellations of invoices already in the marts.
    sold = lgs.query("select invoice, stock_code, description, quantity, unit_price, customer_id, country"
                     " from raw.retail_transactions where source_file = 'base.csv' and invoice ~ '^[0-9]'"
                     " and customer_id is not null"
                     " and quantity > 0 order by source_row limit 40")
    rows = [[f"C{invoice}", code, text, str(-quantity), "2011-12-09 09:00:00", str(price), str(customer), country]
            for invoice, code, text, quantity, price, customer, country in sold[:20]]
    # Late lines: five on invoices already built (at 17 seconds past the minute, so never a
    # copy of a generated line), fifteen on new invoices of December 2009.
    rows += [[invoice if n < 5 else f"4{n:05d}", code, text, str(quantity),
              "2009-12-02 10:00:17" if n >= 5 else "2009-12-01 11:00:17", str(price), str(customer), country]
             for n, (invoice, code, text, quantity, price, customer, country) in enumerate(sold[20:])]
    # A late line that moves an order to another customer (the highest number on an order's
    # lines is its customer): the customer it had, who bought nothing else (and now cancels
    # a line of it, so stays a customer), leaves what customers bought; the new one joins it.
    moved = lgs.query("select invoice, stock_code, description, quantity, unit_price, customer_id, country"
                      " from raw.retail_transactions where source_file = 'base.csv' and invoice ~ '^[0-9]'"
                      " and stock_code ~ '^[0-9]'"
                      " and quantity > 0 and unit_price > 0 and customer_id in (select customer_id"
                      " from raw.retail_transactions group by customer_id having count(distinct invoice) = 1)"
                      " order by source_row limit 1")[0]
    rows.append([moved[0], moved[1], moved[2], str(moved[3]), "2009-12-01 11:00:17", str(moved[4]), "99999", moved[6]])
    rows.append([f"C{moved[0]}", moved[1], moved[2], str(-moved[3]), "2011-12-09 09:00:17", str(moved[4]), str(moved[5]),
                 moved[6]])
    left = lgs.scalar("select count(*) from intermediate.int_customer_products where customer_id = %s", (moved[5],))
    assert left > 0
    corrections = write_csv(tmp_path / "corrections.csv", UCI_HEADER, rows)
    # Hand-written corrections beside generated sample data: mixed on purpose.
    lgs("load", "--allow-mixed", str(day), str(corrections))
    added = lgs.scalar("select count(*) from raw.retail_transactions where source_file in ('day.csv', 'corrections.csv')")
    built = lgs("build").stdout
    assert _inserted(built) == added
    customers = "select count(*) from intermediate.int_customer_products where customer_id = %s"
    assert lgs.scalar(customers, (moved[5],)) == 0 and lgs.scalar(customers, (99999,)) == left
    # The lines every mart is built from: only the new batches' lines that are not copies.
    copies = lgs.scalar("select count(*) from marts.dropped_duplicate_lines where source_file in ('day.csv', 'corrections.csv')")
    assert _inserted(built, "int_invoice_lines_deduplicated") == added - copies
    # The orders those lines belong to, older invoices with late lines included, and no other.
    touched = lgs.scalar("select count(distinct invoice_id) from marts.fct_sales"
                         " where source_file in ('day.csv', 'corrections.csv')")
    assert _inserted(built, "int_orders") == touched
    # Those orders' products, computed again whole: the older invoices' earlier lines too.
    assert _inserted(built, "int_order_products") == lgs.scalar(
        "select count(*) from intermediate.int_order_products where invoice_id in (select invoice_id"
        " from marts.fct_sales where source_file in ('day.csv', 'corrections.csv'))")
    assert lgs.scalar("select count(*) from marts.fct_sales where source_file = 'corrections.csv'"
                      " and invoice_id in (select invoice_id from marts.fct_sales where source_file = 'base.csv')") > 0
    # Late lines of orders already counted: the pair counts start again and count every basket.
    assert _inserted(built, "int_product_pairs") == lgs.scalar("select count(*) from intermediate.int_product_pairs")

    # The same day's file sent again (re-exported: other bytes, same lines) is all duplicates.
    resent = tmp_path / "day_resent.csv"
    resent.write_bytes(day.read_bytes() + b"\n")
    lgs("load", "--allow-mixed", str(resent))
    facts_before = lgs.scalar("select count(*) from marts.fct_sales")
    built = lgs("build").stdout
    assert _inserted(built) == 1500 and _inserted(built, "int_invoice_lines_deduplicated") == 0
    # Its lines are all dropped as copies: only they were computed for the published dropped lines.
    assert _increment(built, "dropped_duplicate_lines") == 1500
    assert _inserted(built, "int_orders") == 0 and _inserted(built, "int_order_products") == 0
    assert _inserted(built, "int_product_pairs") == 0 and _inserted(built, "int_product_descriptions") == 0
    assert lgs.scalar("select count(*) from marts.fct_sales") == facts_before

    # Replacing the first day's batch: its lines now come after the re-sent copy, so the
    # copy's lines become the originals; the model recomputes from that batch on.
    lgs("load", "--replace", "--allow-mixed", str(day))
    # The replaced batch and every later one are ranked again: corrections, the re-sent day
    # and the day's new batch.
    facts = lgs.scalar(FACTS_TABLE)
    built = lgs("build").stdout
    # The lines every mart is built from started again: the facts are built whole and moved in.
    assert _increment(built) is None and lgs.scalar(FACTS_TABLE) != facts
    assert _inserted(built) == 42 + 1500 + 1500
    # The lines every mart is built from start again: a removed batch's lines are gone.
    assert _inserted(built, "int_invoice_lines_deduplicated") == lgs.scalar("select count(*) from marts.fct_sales")
    assert lgs.scalar("select count(*) from marts.fct_sales where source_file = 'day_resent.csv'") > 0
    assert lgs.scalar("select count(*) from marts.dropped_duplicate_lines where source_file = 'day.csv'") > 0

    # A table as an earlier version of the project built it (no bookkeeping columns, one
    # column fewer): a plain build upgrades it and computes it again.
    with psycopg.connect(lgs.url, autocommit=True) as conn:
        conn.execute("alter table intermediate.int_order_products drop column is_placed, drop column through_batch_id,"
                     " drop column live_batch_count, drop column definitions_hash")
        conn.execute("alter table intermediate.int_invoice_lines_ranked drop column build_number")
    built = lgs("build").stdout
    assert _inserted(built, "int_order_products") == lgs.scalar("select count(*) from intermediate.int_order_products")
    # The ranks are taken again with the build's number: the tests read every one of them.
    assert _inserted(built) == lgs.scalar("select count(*) from intermediate.int_invoice_lines_ranked"
                                          " where build_number = (select max(build_number) from marts.passed_builds)")

    incremental = _snapshot(lgs)
    lgs("build", "--full-refresh")
    full = _snapshot(lgs)
    assert incremental == full, {t: (incremental[t], full[t]) for t in full if incremental[t] != full[t]}
    # And the marts really changed with the corrections: the late lines moved December 2009.
    assert lgs.scalar("select count(*) from marts.fct_sales where source_file = 'corrections.csv'") == 42


def test_changed_rule_rebuilds_incremental_models(lgs, tmp_path):
    """A var that changes line-level results must not leave rows built under the old value."""
    # The facts and the incremental line and order models (the rest of the graph adds nothing here).
    facts = ("--select", "+fct_sales", "+int_order_products", "--indirect-selection", "cautious")
    # Lines in the facts, on the orders, and product units on the orders (from priced sale lines).
    counted = ("select (select count(*) from marts.fct_sales), (select sum(line_count) from intermediate.int_orders),"
               " (select sum(quantity) from marts.fct_sales where is_sale and is_product and unit_price > 0),"
               " (select sum(quantity) from intermediate.int_order_products)")
    lgs.build_sample(tmp_path, lines=3000, seed=33, build=facts)
    kept = lgs.query(counted)[0]
    assert kept[0] == kept[1] and kept[2] == kept[3]
    lgs("build", "--vars", "{dedupe_exact_duplicates: false}", *facts)
    every = lgs.query(counted)[0]
    assert every[0] == every[1] == 3000 > kept[0] and every[2] == every[3] > kept[3]
    lgs("build", *facts)
    assert lgs.query(counted)[0] == kept


def _history_months(lgs) -> int:
    return lgs.scalar("select count(distinct month_end) from marts.rfm_history")


def _mark_oldest_month(lgs) -> int:
    """Mark the history's oldest month behind dbt's back: a build that recomputes it
    removes the mark, one that keeps it leaves the mark. Returns the rows marked."""
    with psycopg.connect(lgs.url, autocommit=True) as conn:
        return conn.execute("update intermediate.int_customers_rfm_history set rfm_code = 'old'"
                            " where month_end = (select min(month_end) from intermediate.int_customers_rfm_history)"
                            ).rowcount


def _marked(lgs) -> int:
    return lgs.scalar("select count(*) from marts.rfm_history where rfm_code = 'old'")


# After the first build, build only the history and what it is built from, with the tests
# whose every parent is among them (a reconciliation with the other marts would compare
# new lines with marts this build leaves as they were).
HISTORY = ("--select", "+rfm_history", "--indirect-selection", "cautious")


def test_rfm_history_adds_a_month_and_recomputes_only_when_it_must(lgs, tmp_path):
    lgs.build_sample(tmp_path, lines=3000, seed=34)
    months = _history_months(lgs)
    assert _mark_oldest_month(lgs) > 0

    # A new month of lines from known customers adds that month; older months are kept.
    sold = lgs.query("select stock_code, description, unit_price, customer_id, country from raw.retail_transactions"
                     " where invoice ~ '^[0-9]' and customer_id is not null and quantity > 0 and unit_price > 0"
                     " order by source_row limit 12")
    rows = [[f"59{n:04d}", code, text, "6", "2012-01-05 10:00:00", str(price), str(customer), country]
            for n, (code, text, price, customer, country) in enumerate(sold)]
    january = write_csv(tmp_path / "january.csv", UCI_HEADER, rows)
    lgs("load", "--allow-mixed", str(january))
    lgs("build", *HISTORY)
    assert _history_months(lgs) == months + 1
    assert str(lgs.scalar("select max(month_end) from marts.rfm_history")) == "2012-01-31"
    assert _marked(lgs) > 0  # the oldest month was not recomputed
    buyers = {row[3] for row in sold}
    recent = lgs.query("select customer_id from marts.rfm_history where month_end = '2012-01-31' and recency_days < 30")
    assert {row[0] for row in recent} == buyers

    # Removing a batch the history was built from recomputes every month.
    batch = lgs.scalar("select max(batch_id) from raw.load_batches where source_file = 'january.csv'")
    lgs("unload", str(batch))
    lgs("build", *HISTORY)
    assert _history_months(lgs) == months and _marked(lgs) == 0

    # So does a changed definition (here a rule var) on a plain build, and going back.
    _mark_oldest_month(lgs)
    ntile = lgs.query("select customer_id, month_end, rfm_code from marts.rfm_history order by 1, 2")
    lgs("build", "--vars", "{rfm_scoring: quantile}", *HISTORY)
    assert _marked(lgs) == 0
    assert lgs.query("select customer_id, month_end, rfm_code from marts.rfm_history order by 1, 2") != ntile
    lgs("build", *HISTORY)
    assert lgs.query("select customer_id, month_end, rfm_code from marts.rfm_history order by 1, 2") == ntile


def test_recommendations_follow_a_companion_whose_baskets_grew(lgs, tmp_path):
    """A day that leaves a customer's products alone can still change their recommendations:
    customer 2 bought only 20001, whose companions 20002 and 20003 tie on confidence; 20002
    comes first (same lift, lower code) until a day puts 20002 on a new basket without 20001.
    Its lift from 20001 then drops, 20003 comes first, and the build picks again for customer 2
    (and the customers of the day's products) but not for customer 4, whose products the day
    did not reach."""
    every_pair = ("--vars", "{affinity_min_orders: 1}")

    def lines(name: str, rows: list[tuple[str, str, str, int]]) -> str:
        return str(write_csv(tmp_path / name, UCI_HEADER, [
            [invoice, code, f"ITEM {code}", "1", when, "2.50", str(customer), "United Kingdom"]
            for invoice, code, when, customer in rows]))

    lgs.reset()
    lgs("load", lines("base.csv", [
        ("500001", "20001", "2010-03-01 10:00:00", 1), ("500001", "20002", "2010-03-01 10:00:00", 1),
        ("500002", "20001", "2010-03-02 10:00:00", 1), ("500002", "20003", "2010-03-02 10:00:00", 1),
        ("500003", "20001", "2010-03-03 10:00:00", 2),
        ("500004", "20004", "2010-03-04 10:00:00", 4),
        ("500005", "20004", "2010-03-05 10:00:00", 5), ("500005", "20005", "2010-03-05 10:00:00", 5)]))
    lgs("build", *every_pair)
    picks = ("select stock_code from intermediate.int_customer_recommendation_picks"
             " where customer_id = %s order by recommendation_rank")
    assert [code for (code,) in lgs.query(picks, (2,))] == ["20002", "20003"]
    assert [code for (code,) in lgs.query(picks, (4,))] == ["20005"]

    lgs("load", "--allow-mixed", lines("day.csv", [
        ("500006", "20002", "2010-04-01 10:00:00", 3), ("500006", "20006", "2010-04-01 10:00:00", 3)]))
    lgs("build", *every_pair)
    assert [code for (code,) in lgs.query(picks, (2,))] == ["20003", "20002"]
    # Picked again: customer 1 (20002 now goes with 20006), 2 (above) and 3 (the day's buyer);
    # customer 4's pick is the one computed from the first batch.
    assert lgs.query("select customer_id, max(through_batch_id) = (select max(batch_id) from raw.load_batches)"
                     " from intermediate.int_customer_recommendation_picks group by customer_id order by customer_id"
                     ) == [(1, True), (2, True), (3, True), (4, False)]
    # The published recommendations carry today's figures: the lift of every pair moved.
    assert lgs.query("select stock_code, lift from marts.customer_recommendations where customer_id = 2"
                     " order by recommendation_rank") == lgs.query(
        "select stock_code_b, lift from marts.product_affinity where stock_code_a = '20001'"
        " and stock_code_b in ('20002', '20003') order by lift desc")
    picked = digest(lgs, "intermediate.int_customer_recommendation_picks")
    lgs("build", "--full-refresh", *every_pair)
    assert digest(lgs, "intermediate.int_customer_recommendation_picks") == picked
