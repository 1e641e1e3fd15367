"""Data-quality gates and write-audit-publish: a stale or thin raw table stops the build, a
failing test publishes nothing, and hostile text travels from file to marts as plain data."""

from __future__ import annotations

import json

import pytest
from conftest import FACTS_TABLE, UCI_HEADER, write_csv


@pytest.fixture(scope="module")
def warehouse(lgs, tmp_path_factory):
    lgs.build_sample(tmp_path_factory.mktemp("gates"), lines=5000, seed=21)
    return lgs


def _published(lgs) -> tuple:
    return lgs.query("select (select count(*) from marts.fct_sales), (select sum(line_amount) from marts.fct_sales),"
                     " (select sum(customers) from marts.rfm_segment_summary)")[0]


def test_a_failing_test_publishes_nothing(warehouse, tmp_path):
    before = _published(warehouse)
    extra = tmp_path / "late.csv"
    warehouse("generate", "--lines", "800", "--seed", "22", "--out", str(extra))
    warehouse("load", str(extra))
    # An RFM reference date before the data makes recencies negative: the RFM tests fail,
    # while fct_sales and the other marts build fine in marts_build with the new lines.
    result = warehouse("build", "--vars", json.dumps({"rfm_as_of": "2001-01-01"}), check=False)
    assert result.returncode == 1
    assert "dbt_utils_accepted_range_rfm_segments_recency_days__0" in result.stdout, result.stdout[-3000:]
    assert "Marts NOT published" in result.stdout
    assert "analysts still see the previous marts" in result.stderr
    # The new lines were built and tested in marts_build, but never reached analysts.
    assert warehouse.scalar("select count(*) from marts_build.fct_sales") > before[0]
    assert _published(warehouse) == before
    facts = warehouse.scalar(FACTS_TABLE)
    warehouse("build")
    after = _published(warehouse)
    assert after[0] > before[0] and after[2] >= before[2]
    # The facts were published as an increment to the same table (materialization
    # published_increment): the lines the failed build computed are in it, none twice.
    assert warehouse.scalar(FACTS_TABLE) == facts
    assert after[0] == warehouse.scalar("select count(*) from intermediate.int_invoice_lines_deduplicated")


def test_stale_raw_data_stops_the_build(warehouse):
    warehouse.query("update raw.retail_transactions set loaded_at = loaded_at - interval '40 days' returning 1")
    try:
        stale = warehouse("build", check=False)
        assert stale.returncode == 1 and "raw data is stale" in stale.stderr
        assert "ERROR STALE" in stale.stdout and "retail_transactions" in stale.stdout
        # Thresholds are vars: 60 days allowed, 7 still warned about.
        # (The freshness check runs before any build; building the source's tests is enough.)
        relaxed = warehouse("build", "--select", "source:retail", "--vars", json.dumps({"raw_freshness_error_days": 60}))
        assert "WARN" in relaxed.stdout and "retail_transactions" in relaxed.stdout
    finally:
        warehouse.query("update raw.retail_transactions set loaded_at = loaded_at + interval '40 days' returning 1")


def test_thin_raw_table_fails_the_volume_gate(warehouse):
    rows = warehouse.scalar("select count(*) from raw.retail_transactions")
    before = _published(warehouse)
    warned = warehouse("build", "--select", "source:retail", "--vars", json.dumps({"raw_min_rows_warn": rows + 1}))
    assert "WARN 1 raw_volume_warn" in warned.stdout, warned.stdout[-2000:]
    failed = warehouse("build", "--vars", json.dumps({"raw_min_rows_error": rows + 1}), check=False)
    assert failed.returncode == 1 and "FAIL 1 raw_volume_error" in failed.stdout
    assert "Marts NOT published" in failed.stdout
    assert _published(warehouse) == before


HOSTILE = [
    "O'Brien's \"best\" mug; DROP TABLE marts.fct_sales; --",
    "$$ select pg_sleep(10) $$",
    "back\\slash \\. \\N \\x41",
    "tab\tand\x01\x1fcontrols",
    "'); delete from raw.load_batches where ('1'='1",
    "{{ exceptions.raise_compiler_error('jinja') }}",
    "100% % %s %(batch)s",
]


def test_hostile_text_comes_out_of_the_marts_unchanged(warehouse, tmp_path):
    rows = [
        [f"59{n:04d}", f"HOSTILE{n}", text, "2", "2011-12-08 10:00:00", "1.25", f"{19000 + n}.0", text]
        for n, text in enumerate(HOSTILE)
    ]
    name = "x'; drop table raw.load_batches; --$$.csv"
    warehouse("load", "--allow-mixed", str(write_csv(tmp_path / name, UCI_HEADER, rows)))
    warehouse("build")
    products = dict(warehouse.query("select stock_code, description from marts.dim_products"
                                     " where stock_code like 'HOSTILE%%'"))
    assert products == {f"HOSTILE{n}": text for n, text in enumerate(HOSTILE)}
    countries = dict(warehouse.query("select customer_id, country from marts.dim_customers"
                                     " where customer_id >= 19000 and customer_id < 19100"))
    assert countries == {19000 + n: text for n, text in enumerate(HOSTILE)}
    assert warehouse.scalar("select count(*) from marts.fct_sales where source_file = %s", (name,)) == len(HOSTILE)
    assert warehouse.scalar("select count(*) from raw.load_batches") >= 2


def test_rows_a_failed_build_left_unchecked_are_read_again_until_mended(warehouse, tmp_path):
    """The data tests of the incremental models read only rows no passed build has checked;
    the rows of a failed build stay unchecked, so every later build fails on them too."""
    passed = warehouse.scalar("select max(build_number) from marts.passed_builds")
    # A price with four decimals loads (raw keeps numbers exact) but breaks the rule that
    # prices have at most three, tested on the deduplicated lines (with their other column rules).
    price = [["598001", "22138", "BAKING SET", "2", "2011-12-08 11:00:00", "1.2345", "12345.0", "France"]]
    warehouse("load", "--allow-mixed", str(write_csv(tmp_path / "odd_price.csv", UCI_HEADER, price)))
    bad_batch = warehouse.scalar("select max(batch_id) from raw.load_batches")
    # The incremental models and their own tests only (cautious: no reconciliation with marts
    # this build leaves alone).
    only_incremental = ("--select", "+passed_builds", "--indirect-selection", "cautious")
    failed = warehouse("build", *only_incremental, check=False)
    assert failed.returncode == 1 and "FAIL 1 int_invoice_lines_deduplicated_column_rules" in failed.stdout, \
        failed.stdout[-3000:]
    # A clean day on top: its build computes only the day's rows, but the odd line is still
    # unchecked, so it fails again instead of passing over it.
    day = tmp_path / "day.csv"
    warehouse("generate", "--lines", "300", "--seed", "23", "--out", str(day))
    warehouse("load", "--allow-mixed", str(day))
    again = warehouse("build", *only_incremental, check=False)
    assert again.returncode == 1 and "FAIL 1 int_invoice_lines_deduplicated_column_rules" in again.stdout
    assert warehouse.scalar("select max(build_number) from marts.passed_builds") == passed
    # Removing the odd batch mends it: the models start again, and every row is checked.
    warehouse("unload", str(bad_batch))
    mended = warehouse("build", *only_incremental)
    assert "PASS int_invoice_lines_deduplicated_column_rules" in mended.stdout
    assert warehouse.scalar("select max(build_number) from marts.passed_builds") == passed + 1
    assert warehouse.query("select distinct build_number from intermediate.int_orders") == [(passed + 1,)]
    # What a passed build checked is not read again: an order spoiled by hand after it goes
    # unnoticed by the next build's tests (the reconciliations, reading everything, are what
    # would see it), which read only the rows that build computes.
    first = "(select min(invoice_id) from intermediate.int_orders)"
    kept = warehouse.scalar(f"select order_type from intermediate.int_orders where invoice_id = {first}")
    spoil = f"update intermediate.int_orders set order_type = %s where invoice_id = {first} returning 1"
    # So do fct_sales' tests: a published line spoiled after a passed build stays in the facts
    # (the build appends the new lines only) and is not read again.
    line = "(select min(invoice_line_id) from marts.fct_sales)"
    kept_type = warehouse.scalar(f"select line_type from marts.fct_sales where invoice_line_id = {line}")
    spoil_line = f"update marts.fct_sales set line_type = %s where invoice_line_id = {line} returning 1"
    # And the ranks' and the dropped lines' tests: a copy's original, blanked after a passed
    # build in the ranks and in the published dropped lines (which the build appends to, as the
    # facts), is not read again by the ranks' column rules nor by the dropped lines' tests.
    copy = "(select min(invoice_line_id) from intermediate.int_invoice_lines_ranked where duplicate_rank > 1)"
    original = warehouse.scalar(
        f"select original_invoice_line_id from intermediate.int_invoice_lines_ranked where invoice_line_id = {copy}")
    assert original, "the sample has no exact duplicate to spoil"
    spoil_copy = (f"update intermediate.int_invoice_lines_ranked set original_invoice_line_id = %s"
                  f" where invoice_line_id = {copy} returning 1")
    spoil_dropped = (f"update marts.dropped_duplicate_lines set original_invoice_line_id = %s"
                     f" where invoice_line_id = {copy} returning 1")
    warehouse.query(spoil, ("spoiled",))
    warehouse.query(spoil_line, ("spoiled",))
    warehouse.query(spoil_dropped, (None,))
    warehouse.query(spoil_copy, (None,))
    try:
        passed_over = warehouse("build", *only_incremental).stdout
        assert "PASS accepted_values_int_orders" in passed_over
        assert "PASS accepted_values_fct_sales_line_type" in passed_over, passed_over[-3000:]
        assert warehouse.scalar("select count(*) from marts.fct_sales where line_type = 'spoiled'") == 1
        assert "PASS int_invoice_lines_ranked_column_rules" in passed_over
        assert "PASS not_null_dropped_duplicate_lines_original_invoice_line_id" in passed_over
        assert warehouse.scalar("select count(*) from marts.dropped_duplicate_lines"
                                " where original_invoice_line_id is null") == 1
    finally:
        warehouse.query(spoil, (kept,))
        warehouse.query(spoil_line, (kept_type,))
        warehouse.query(spoil_copy, (original,))
        warehouse.query(spoil_dropped, (original,))
    # The staged lines' key test reads only batches no passed build has computed: a row copied
    # by hand into the first batch passes it, and the reconciliation that counts every
    # batch's rows is what fails.
    batch, row = warehouse.query("select batch_id, min(source_row) from raw.retail_transactions"
                                 " where batch_id = (select min(batch_id) from raw.retail_transactions)"
                                 " group by batch_id")[0]
    first_row = "from raw.retail_transactions where batch_id = %s and source_row = %s"
    assert warehouse.query(f"insert into raw.retail_transactions select * {first_row} returning 1", (batch, row))
    try:
        caught = warehouse("build", *only_incremental, check=False)
        assert caught.returncode == 1
        assert "PASS dbt_utils_unique_combination_of_columns_stg_retail__invoice_lines" in caught.stdout, \
            caught.stdout[-3000:]
        assert "FAIL 1 assert_every_raw_row_is_ranked" in caught.stdout
    finally:
        warehouse.query(f"delete from raw.retail_transactions where ctid = (select max(ctid) {first_row}) returning 1",
                        (batch, row))
