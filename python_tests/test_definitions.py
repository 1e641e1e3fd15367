"""One definition per business rule, and a plain dbt shape: the marts agree with each other
(and the agreement tests fail when one drifts), a changed rule macro changes the rows on
the next build, a developer's build never touches what analysts read, and dbt Labs'
project evaluator passes."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import psycopg
import pytest
from conftest import ROOT


@pytest.fixture(scope="module")
def warehouse(lgs, tmp_path_factory):
    lgs.build_sample(tmp_path_factory.mktemp("definitions"), lines=6000, seed=41)
    return lgs


def _tables_in(statement: str) -> list[str]:
    """The schema-qualified tables an UPDATE statement changes."""
    return re.findall(r"^update (\w+\.\w+)", statement)


def _restore_after(lgs, statements: list[str]):
    """Copy the tables the statements change, run them; returns a function that puts the
    copies back (cheaper than a rebuild, and exactly the published rows)."""
    tables = sorted({table for statement in statements for table in _tables_in(statement)})
    with psycopg.connect(lgs.url, autocommit=True) as conn:
        conn.execute("create schema if not exists test_backup")
        for table in tables:
            copy = "test_backup." + table.replace(".", "__")
            conn.execute(f"drop table if exists {copy}")
            conn.execute(f"create table {copy} as select * from {table}")
        changed = [conn.execute(statement).rowcount for statement in statements]

    def restore() -> None:
        with psycopg.connect(lgs.url) as conn, conn.transaction():
            for table in tables:
                conn.execute(f"delete from {table}")
                conn.execute(f"insert into {table} select * from test_backup.{table.replace('.', '__')}")
        with psycopg.connect(lgs.url, autocommit=True) as conn:
            conn.execute("drop schema test_backup cascade")

    return changed, restore


def _tamper_and_test(lgs, statement: str, test: str) -> str:
    """Change a published mart behind dbt's back, run one agreement test on prod, restore it."""
    _, restore = _restore_after(lgs, [statement])
    try:
        result = lgs("dbt", "test", "--target", "prod", "--select", test, check=False)
        assert result.returncode == 1, result.stdout[-3000:]
        return result.stdout
    finally:
        restore()


def test_marts_agree_on_every_customer_and_month(warehouse):
    # The same figures, read from different marts, are equal (and the singular tests passed
    # in the build). Counted here straight from the published tables as an analyst would.
    rows = warehouse.query(
        "select count(*) filter (where c.last_purchase_at is distinct from r.last_purchase_at"
        " or c.purchase_count <> r.frequency or c.purchase_revenue <> r.monetary"
        " or c.days_since_last_purchase <> r.recency_days), count(*)"
        " from marts.rfm_segments r join marts.dim_customers c using (customer_id)")[0]
    assert rows[0] == 0 and rows[1] == warehouse.scalar("select count(*) from marts.dim_customers"
                                                        " where purchase_count > 0")
    placed = warehouse.query("select (select sum(orders_placed) from marts.monthly_kpis),"
                             " (select count(*) from marts.fct_orders where is_placed),"
                             " (select sum(order_count) from marts.dim_customers),"
                             " (select count(*) from marts.fct_orders where is_placed and not is_guest)")[0]
    assert placed[0] == placed[1] and placed[2] == placed[3]
    assert warehouse.scalar("select sum(new_customers) from marts.monthly_kpis") == \
        warehouse.scalar("select count(*) from marts.dim_customers")


@pytest.mark.parametrize(("statement", "test", "problem"), [
    ("update marts.rfm_segments set last_purchase_at = last_purchase_at - interval '1 day'"
     " where customer_id = (select min(customer_id) from marts.rfm_segments)",
     "assert_marts_agree_on_customers", "last purchase"),
    ("update marts.dim_customers set purchase_count = purchase_count + 1"
     " where customer_id = (select min(customer_id) from marts.rfm_segments)",
     "assert_marts_agree_on_customers", "frequency"),
    ("update marts.fct_orders set is_placed = not is_placed"
     " where invoice_id = (select min(invoice_id) from marts.fct_orders)",
     "assert_monthly_kpis_add_up_to_orders", ""),
    # The pairs' baskets with both products, counted from the rarer product of each pair.
    ("update marts.product_affinity set orders_with_both = orders_with_both - 1"
     " where (stock_code_a, stock_code_b) = (select stock_code_a, stock_code_b from marts.product_affinity"
     " order by orders_with_both desc, stock_code_a, stock_code_b limit 1)",
     "assert_product_affinity_matches_a_direct_count", ""),
])
def test_agreement_tests_fail_when_a_definition_drifts(warehouse, statement, test, problem):
    out = _tamper_and_test(warehouse, statement, test)
    assert re.search(rf"FAIL \d+ {test}", out), out[-3000:]


# Each reconciliation of the marts beyond the notebook, with a change behind dbt's back
# that it must catch (all tampered at once, then one test run and one rebuild).
RECONCILIATIONS = {
    "assert_cohorts_add_up_to_purchases":
        "update marts.cohort_retention set purchases = purchases + 1"
        " where months_since_first_purchase = 0 and cohort_month = (select min(cohort_month) from marts.cohort_retention)",
    "assert_product_affinity_matches_a_direct_count":
        "update marts.product_affinity set orders_with_a = orders_with_a + 1"
        " where (stock_code_a, stock_code_b) = (select stock_code_a, stock_code_b from marts.product_affinity"
        " order by orders_with_both desc, stock_code_a, stock_code_b limit 1)",
    "assert_order_products_add_up_to_lines":
        "update intermediate.int_order_products set quantity = quantity + 1"
        " where (invoice_id, stock_code) = (select invoice_id, stock_code from intermediate.int_order_products"
        " order by 1, 2 limit 1)",
    "assert_recommendations_are_not_yet_bought":
        "update marts.customer_recommendations r set stock_code = s.stock_code"
        " from (select customer_id, min(stock_code) as stock_code from marts.fct_sales"
        " where is_product and is_sale and unit_price > 0 group by customer_id) s"
        " where r.customer_id = s.customer_id and r.recommendation_rank = 1"
        " and r.customer_id = (select min(customer_id) from marts.customer_recommendations)",
    "assert_country_months_add_up_to_monthly_kpis":
        "update marts.sales_by_country_month set net_sales = net_sales + 1"
        " where (month_start, country) = (select month_start, country from marts.sales_by_country_month"
        " order by month_start, country limit 1)",
    "assert_segment_migration_adds_up":
        "update marts.segment_migration set customers = customers + 1"
        " where (from_month_end, from_segment, to_segment) = (select from_month_end, from_segment, to_segment"
        " from marts.segment_migration where from_segment <> '(new)' order by 1, 2, 3 limit 1)",
    "assert_seasonality_adds_up_to_orders":
        "update marts.sales_seasonality set orders = orders + 1"
        " where (iso_week, iso_day_of_week, hour_of_day) = (select iso_week, iso_day_of_week, hour_of_day"
        " from marts.sales_seasonality order by 1, 2, 3 limit 1)",
    "assert_customer_months_add_up_to_customers":
        "update intermediate.int_customer_months set purchase_count = purchase_count + 1"
        " where (customer_id, order_month) = (select customer_id, order_month from intermediate.int_customer_months"
        " order by 1, 2 limit 1)",
}


def test_reconciliations_of_the_new_marts_fail_when_one_drifts(warehouse):
    changed, restore = _restore_after(warehouse, list(RECONCILIATIONS.values()))
    try:
        # Every tampered table had rows to tamper with (else the check below proves nothing).
        assert changed == [1] * len(RECONCILIATIONS), dict(zip(RECONCILIATIONS, changed))
        result = warehouse("dbt", "test", "--target", "prod", "--select", *RECONCILIATIONS, check=False)
        assert result.returncode == 1
        failed = set(re.findall(r"FAIL \d+ (assert_\w+)", result.stdout))
        assert failed == set(RECONCILIATIONS), result.stdout[-3000:]
    finally:
        restore()
    passed = warehouse("dbt", "test", "--target", "prod", "--select", *RECONCILIATIONS)
    assert all(re.search(rf"PASS {test}\b", passed.stdout) for test in RECONCILIATIONS), passed.stdout[-2000:]


def test_builds_and_reading_commands_keep_their_own_parse_state(warehouse):
    """dbt keeps one partial-parse state per target folder, for one target and one set of
    --vars. A reading command on prod (here `lgs dbt test`) sees the published marts through
    other vars than a build, so alternating the two used to parse the whole project again
    each time; `lgs build` keeps its state apart (lgs.dbt.parse_state_dir)."""
    reading = ("dbt", "test", "--target", "prod", "--select", "dim_dates")
    warehouse(*reading)  # the reading commands' state: made here if no test made it before
    # The build's state is the fixture's build's, and the reading command above left it alone;
    # then the build left the reading commands' state alone.
    for command in (("build", "--select", "dim_dates"), reading):
        said = warehouse(*command).stdout
        assert "PASS" in said and "Unable to do partial parsing" not in said, (command, said[-2000:])


def test_rfm_history_ends_where_rfm_segments_is_with_that_reference_date(warehouse):
    """The last month end of the history scores every customer as `rfm_segments` does when
    built with the day after that month end as `rfm_as_of` (the singular test checks it in
    the build; here it is made to bite, and compared again from Python)."""
    last = warehouse.scalar("select max(rfm_as_of) from marts.rfm_history")
    assert warehouse.scalar("select count(distinct rfm_as_of) from marts.rfm_history") > 20
    as_of = json.dumps({"rfm_as_of": str(last)})
    # Cautious: only the tests whose every parent is built here, the agreement test among them.
    built = warehouse("dbt", "build", "--target", "ci", "--vars", as_of, "--select", "+rfm_segments", "+rfm_history",
                      "--indirect-selection", "cautious", "--exclude", "test_type:unit")
    assert re.search(r"PASS assert_rfm_history_ends_at_rfm_segments", built.stdout), built.stdout[-2000:]
    differing, compared = warehouse.query(
        "select count(*) filter (where (s.recency_days, s.frequency, s.monetary, s.rfm_code, s.segment)"
        " is distinct from (h.recency_days, h.frequency, h.monetary, h.rfm_code, h.segment)), count(*)"
        " from ci_marts.rfm_segments s full join ci_marts.rfm_history h"
        " on h.customer_id = s.customer_id and h.rfm_as_of = s.rfm_as_of"
        " where h.rfm_as_of = %s or s.customer_id is not null", (last,))[0]
    assert compared == warehouse.scalar("select count(*) from marts.rfm_segments") > 20
    assert differing == 0
    # An earlier month end differs from today's snapshot: the history really is history.
    assert warehouse.scalar("select count(*) from ci_marts.rfm_history where rfm_as_of < %s", (last,)) > 0


def test_campaign_lists_carry_recommendations(warehouse, tmp_path):
    with_recommendations = warehouse.scalar(
        "select count(*) from marts.campaign_audience where recommended_products is not null")
    assert with_recommendations == warehouse.scalar(
        "select count(distinct customer_id) from marts.customer_recommendations") > 0
    out = tmp_path / "all.csv"
    segment = warehouse.scalar("select segment from marts.campaign_audience where recommended_products is not null"
                               " order by customer_id limit 1")
    warehouse("export", "segment", segment, "--out", str(out))
    header = out.read_text().splitlines()[0].split(",")
    assert "recommended_products" in header and "top_products" in header


def _project_copy(lgs, folder: Path) -> tuple[Path, dict[str, str]]:
    """A copy of the project to edit, and the environment that runs `lgs` on it."""
    project = folder / "project"
    shutil.copytree(ROOT, project, ignore=shutil.ignore_patterns(
        ".git", ".venv*", "target", "logs", ".lgs*", "__pycache__", "*.egg-info", "site", "artifacts"))
    return project, dict(lgs.env, LGS_PROJECT_DIR=str(project), DBT_TARGET_PATH=str(folder / "target"))


def test_changed_rule_macro_changes_the_rows_on_the_next_build(warehouse, tmp_path):
    """Edit a rule macro in a copy of the project: the next plain `lgs build` (no
    --full-refresh) applies it to every line, old batches included."""
    project, env = _project_copy(warehouse, tmp_path)
    before = warehouse.scalar("select count(*) from marts.dim_products where not is_product")
    assert before > 0
    macro = project / "macros" / "is_product_stock_code.sql"
    text = macro.read_text()
    assert ") then false" in text
    macro.write_text(text.replace(") then false", ") then true"))  # service codes now count as products
    # The unit test pinning the rule fails on purpose under the edited macro: leave it out.
    # The products and what they are built from (the incremental lines included) are enough.
    products = ("--select", "+dim_products", "--indirect-selection", "cautious")
    warehouse("build", *products, "--exclude", "test_type:unit", env=env)
    after = warehouse.query("select count(*) filter (where not is_product),"
                            " count(*) filter (where stock_code = 'POST' and is_product) from marts.dim_products")[0]
    assert after[0] < before and after[0] == warehouse.scalar(
        "select count(*) from marts.dim_products where stock_code like 'gift\\_%%'")
    assert after[1] == warehouse.scalar("select count(*) from marts.dim_products where stock_code = 'POST'") == 1
    warehouse("build", *products)  # the repository's rule again
    assert warehouse.scalar("select count(*) from marts.dim_products where not is_product") == before


def test_an_enforced_key_is_checked_by_the_database_not_read_again(warehouse, tmp_path):
    """On PostgreSQL a mart's primary key and not-null columns are part of its table (enforced
    contract), so their `unique` and `not_null` tests read nothing, and a build that repeats a
    key fails anyway."""
    project, env = _project_copy(warehouse, tmp_path)
    dates = warehouse.scalar("select count(*) from marts.dim_dates")
    model = project / "models" / "marts" / "core" / "dim_dates.sql"
    text = model.read_text()
    assert text.rstrip().endswith("select * from final")
    model.write_text(text.rstrip() + "\nunion all\n(select * from final order by date_day limit 1)\n")
    repeated = warehouse("build", "--select", "dim_dates", check=False, env=env)
    # The key is built once the rows are in (macros/keys_after_rows.sql), and refuses them.
    assert repeated.returncode == 1 and "could not create unique index" in repeated.stdout \
        and "is duplicated" in repeated.stdout, repeated.stdout[-3000:]
    assert "Marts NOT published" in repeated.stdout
    assert warehouse.scalar("select count(*) from marts.dim_dates") == dates
    # The tests of enforced keys and not-null columns read nothing; a model without an
    # enforced contract is read as dbt's tests do.
    compiled = tmp_path / "compiled"
    warehouse("dbt", "compile", "--target", "prod", "--select", "dim_dates", "fct_sales", "int_invoice_lines_ranked",
              "int_order_products", "int_product_pairs", env=dict(warehouse.env, DBT_TARGET_PATH=str(compiled)))
    # A test's file is named by its alias: for a long name, a hash of its arguments.
    files = {path.stem: path.read_text() for path in compiled.rglob("*.sql")}
    nodes = json.loads((compiled / "manifest.json").read_text())["nodes"].values()
    tests = {node["name"]: files[node["alias"]] for node in nodes if node["alias"] in files}
    for name in ("unique_dim_dates_date_day", "not_null_dim_dates_date_day", "unique_fct_sales_invoice_line_id",
                 "not_null_fct_sales_invoice_id",
                 # Keys that a model's config makes a unique index of, which its table has.
                 "unique_int_invoice_lines_ranked_invoice_line_id",
                 "dbt_utils_unique_combination_of_columns_int_order_products_invoice_id__stock_code",
                 "dbt_utils_unique_combination_of_columns_int_product_pairs_stock_code_a__stock_code_b"):
        key_test = next(text for found, text in tests.items() if found.startswith(name))
        assert "nothing to read" in key_test and "from" not in key_test, key_test
    other = next(text for found, text in tests.items() if found.startswith("not_null_int_invoice_lines_ranked_invoice_line_id"))
    assert "from" in other and "nothing to read" not in other
    # Such an index refuses a repeated key as the rows are added (here by hand, rolled back).
    with pytest.raises(psycopg.errors.UniqueViolation), psycopg.connect(warehouse.url) as conn:
        conn.execute("insert into intermediate.int_order_products"
                     " select * from intermediate.int_order_products limit 1")
    # The not-null columns whose tests read nothing are NOT NULL in the published table.
    not_null = {row[0] for row in warehouse.query(
        "select column_name from information_schema.columns"
        " where table_schema = 'marts' and table_name = 'fct_sales' and is_nullable = 'NO'")}
    assert {"invoice_line_id", "invoice_id", "stock_code", "customer_id", "invoice_date", "line_amount"} <= not_null


def test_dropped_lines_read_the_deduplicated_lines_once_whatever_the_plan(warehouse, tmp_path):
    """`dropped_duplicate_lines` stamps each row with the first build number of the
    deduplicated lines, a scalar subquery that PostgreSQL computes once (an InitPlan). Cross
    joined, it sat under a nested loop when the planner took the join of ranks and lines for
    one row, and was computed again for each dropped line: without the B-tree on the number, a
    scan of every deduplicated line each time (a build of the real data that never finished)."""
    compiled = tmp_path / "compiled"
    warehouse("dbt", "compile", "--target", "prod", "--select", "dropped_duplicate_lines",
              env=dict(warehouse.env, DBT_TARGET_PATH=str(compiled)))
    select = next(compiled.rglob("dropped_duplicate_lines.sql")).read_text()
    with psycopg.connect(warehouse.url) as conn:  # the index is dropped for the EXPLAIN only, and rolled back
        index = conn.execute("select indexname from pg_indexes where schemaname = 'intermediate'"
                             " and tablename = 'int_invoice_lines_deduplicated'"
                             " and indexdef like '%(build_number)'").fetchone()[0]
        conn.execute(f'drop index intermediate."{index}"')
        plan = conn.execute("explain (format json) " + select).fetchone()[0][0]["Plan"]
        conn.rollback()

    def reads(node: dict, path: list[str]):
        """The path from the top of the plan to each scan of the deduplicated lines."""
        here = [*path, node.get("Parent Relationship", "")]
        if node.get("Relation Name") == "int_invoice_lines_deduplicated":
            yield here
        for child in node.get("Plans", []):
            yield from reads(child, here)

    paths = list(reads(plan, []))
    assert paths and all("InitPlan" in path for path in paths), json.dumps(plan)[:3000]
    # The index is back (another schema may hold a developer's copy of the model: not counted).
    assert warehouse.scalar("select count(*) from pg_indexes where schemaname = 'intermediate'"
                            " and tablename = 'int_invoice_lines_deduplicated' and indexdef like %s",
                            ("%(build_number)",)) == 1


def test_a_dev_build_leaves_the_published_marts_untouched(warehouse):
    digest = ("select count(*), md5(string_agg(x::text, '|' order by x::text)) from marts.{} x")
    marts = ["fct_sales", "rfm_segments", "monthly_kpis"]
    before = {m: warehouse.query(digest.format(m))[0] for m in marts}
    relations = warehouse.query("select c.oid, c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                                " where n.nspname in ('marts', 'marts_build') order by 1")
    result = warehouse("dbt", "build", "--vars", json.dumps({"rfm_as_of": "2011-12-31"}),
                       env=dict(warehouse.env, LGS_DEV_SCHEMA="dev_tester"))
    assert "Publishing" not in result.stdout
    assert warehouse.scalar("select count(*) from dev_tester_marts.rfm_segments") == \
        warehouse.scalar("select count(*) from marts.rfm_segments")
    assert str(warehouse.scalar("select min(rfm_as_of) from dev_tester_marts.rfm_segments")) == "2011-12-31"
    assert {m: warehouse.query(digest.format(m))[0] for m in marts} == before
    assert warehouse.query("select c.oid, c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                           " where n.nspname in ('marts', 'marts_build') order by 1") == relations
    ci = warehouse("dbt", "run", "--target", "ci", "--select", "stg_retail__invoice_lines")
    assert "ci_staging.stg_retail__invoice_lines" in ci.stdout


def test_dbt_project_evaluator_passes(warehouse):
    result = warehouse("dbt", "build", "--target", "ci", "--select", "package:dbt_project_evaluator",
                       "dbt_project_evaluator_exceptions", "--vars", json.dumps({"evaluate_project": True}),
                       check=False)
    assert result.returncode == 0, result.stdout[-4000:]
    assert "PASS=" in result.stdout and " ERROR=0" in result.stdout and "FAIL" not in result.stdout.replace("FAIL=0", "")


def test_docs_and_analyses_show_the_published_marts(warehouse):
    warehouse("docs", "generate")
    target = Path(warehouse.env["DBT_TARGET_PATH"])
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    mart = manifest["nodes"]["model.lgs_warehouse.rfm_segments"]
    assert (mart["schema"], mart["relation_name"]) == ("marts", '"lgs"."marts"."rfm_segments"')
    assert catalog["nodes"]["model.lgs_warehouse.rfm_segments"]["metadata"]["type"] == "BASE TABLE"
    compiled = target / "compiled" / "lgs_warehouse" / "analyses" / "rfm_segment_sizes.sql"
    assert '"marts"."rfm_segment_summary"' in compiled.read_text() or '"marts"."rfm_segments"' in compiled.read_text()


@pytest.mark.parametrize(("given", "said"), [("just-a-string", "must be a YAML mapping"), ("{a: [", "is not YAML")])
def test_bad_vars_on_a_reading_command_is_a_one_line_error(lgs, given, said):
    result = lgs("dbt", "test", "--target", "prod", "--vars", given, check=False)
    assert result.returncode == 1 and result.stderr.count("\n") == 1 and said in result.stderr, result.stderr


def test_unknown_target_says_so_in_one_line(lgs):
    result = lgs("build", "--target", "nosuch", check=False)
    assert result.returncode == 1 and result.stderr.count("\n") == 1, result.stderr
    assert "does not have a target named 'nosuch'" in result.stderr
    # ... and which targets there are, on that same line.
    assert re.search(r"are: (\w+, )+spark\b", result.stderr) and "prod" in result.stderr, result.stderr
    # ... and it keeps no parse state for that target (an empty folder under target/parse).
    states = Path(lgs.env["DBT_TARGET_PATH"]) / "parse"
    assert not list(states.glob("nosuch-*")), list(states.iterdir())
