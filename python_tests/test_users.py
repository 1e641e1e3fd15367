"""What the warehouse's users do: analysts in SQL (read-only role), marketing exports,
the notebook's questions as analyses."""

from __future__ import annotations

import csv
import re

import pytest
from conftest import ROOT

SEGMENTS = ["Champions", "Loyal Customers", "Potential Loyalists", "New Customers", "Promising", "Need Attention",
            "About to Sleep", "At Risk", "Can't Lose", "Hibernating"]


@pytest.fixture(scope="module")
def built(lgs):
    """A warehouse built on generated data, large enough that every segment has customers."""
    lgs.reset()
    lgs("demo", "--lines", "60000", "--seed", "5")
    return lgs


def readme_queries() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Querying the marts", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sql\n(.*?)```", section, re.S)


def test_readme_has_example_queries():
    assert len(readme_queries()) >= 5


@pytest.mark.parametrize("index", range(5))
def test_readme_queries_run_as_the_analyst(built, index):
    query = readme_queries()[index]
    result = built("sql", "-c", query)
    assert result.returncode == 0
    assert re.search(r"\((\d+) rows?\)", result.stdout) and "(0 rows)" not in result.stdout, result.stdout


@pytest.mark.parametrize(
    "statement",
    [
        "select count(*) from raw.retail_transactions",
        "select count(*) from raw.load_batches",
        "select count(*) from staging.stg_retail__invoice_lines",
        "select count(*) from intermediate.int_customers_rfm_scored",
        "select count(*) from intermediate.int_orders",
        "select count(*) from marts_build.fct_sales",
        "select count(*) from marts_build.rfm_segment_map",
        "delete from marts.rfm_segments",
        "update marts.dim_customers set country = 'x'",
        "insert into marts.monthly_kpis (month_start) values (date '2000-01-01')",
        "create table marts.scratch (a int)",
        "create table public.scratch (a int)",
        "drop table marts.fct_sales",
        "set role postgres",
    ],
)
def test_analyst_role_is_refused_everything_but_reading_marts(built, statement):
    result = built("sql", "-v", "ON_ERROR_STOP=1", "-c", statement, check=False)
    assert result.returncode != 0
    assert "permission denied" in result.stderr or "must be owner" in result.stderr, result.stderr


def test_analyst_role_reads_every_mart(built):
    for table in ("fct_sales", "fct_orders", "dim_customers", "dim_products", "dim_dates", "rfm_segments",
                  "rfm_segment_summary", "monthly_kpis", "campaign_audience", "rfm_segment_playbook"):
        result = built("sql", "-At", "-c", f"select count(*) > 0 from marts.{table}")
        assert result.stdout.strip() == "t", table


@pytest.mark.parametrize("segment", SEGMENTS)
def test_export_every_segment(built, tmp_path, segment):
    expected = built.scalar("select count(*) from marts.rfm_segments where segment = %s", (segment,))
    out = tmp_path / "list.csv"
    result = built("export", "segment", segment, "--format", "csv", "--out", str(out))
    assert f"wrote {expected:,} customers" in result.stdout
    with open(out, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == expected
    assert all(r["segment"] == segment and r["recommended_campaign"] for r in rows)
    if rows:
        assert all(r["customer_id"] and r["last_purchase_date"] for r in rows)
        assert any(r["top_products"] for r in rows)


def test_export_narrows_to_a_country_and_a_minimum_spend(built, tmp_path):
    country, = built.query("select country from marts.campaign_audience where segment = 'Hibernating'"
                           " group by country order by count(*) desc limit 1")[0]
    median = built.scalar("select percentile_disc(0.5) within group (order by monetary) from marts.campaign_audience"
                          " where segment = 'Hibernating' and country = %s", (country,))
    expected = {row[0] for row in built.query(
        "select customer_id from marts.campaign_audience where segment = 'Hibernating' and country = %s"
        " and monetary >= %s", (country, median))}
    everyone = built.scalar("select count(*) from marts.campaign_audience where segment = 'Hibernating'")
    assert 0 < len(expected) < everyone
    out = tmp_path / "narrow.csv"
    built("export", "segment", "hibernating", "--country", country.upper(), "--min-spend", str(median),
          "--out", str(out))
    with open(out, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {int(r["customer_id"]) for r in rows} == expected and len(rows) == len(expected)
    assert all(r["country"] == country and float(r["monetary"]) >= float(median) for r in rows)


def test_export_several_segments_as_xlsx(built, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "winback.xlsx"
    # No --format: the extension decides; segment names match whatever their case.
    built("export", "segment", "can't lose", "AT RISK", "--out", str(out))
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == ["Summary", "Can't Lose", "At Risk"]
    summary = {row[0]: row[1:] for row in workbook["Summary"].iter_rows(min_row=2, values_only=True)}
    for segment in ("Can't Lose", "At Risk"):
        customers, revenue = built.query("select count(*), sum(monetary) from marts.rfm_segments where segment = %s",
                                         (segment,))[0]
        sheet = workbook[segment]
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][:3] == ("customer_id", "country", "segment") and len(rows) - 1 == customers
        assert {r[2] for r in rows[1:]} == {segment}
        assert summary[segment][0] == customers and abs(summary[segment][1] - float(revenue)) < 0.01
        assert summary[segment][2] == built.scalar(
            "select recommended_campaign from marts.rfm_segment_playbook where segment = %s", (segment,))
        # Opens well: bold frozen header with a filter, wide text columns, money and dates formatted.
        assert all(cell.font.bold for cell in sheet[1]) and sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == sheet.dimensions
        assert sheet.column_dimensions["H"].width >= 40  # top_products
        assert sheet["F2"].number_format == "£#,##0.00" and sheet["G2"].number_format == "yyyy-mm-dd"
    assert workbook["Summary"]["C2"].number_format == "£#,##0.00"


@pytest.mark.parametrize(("args", "said"), [
    (["--format", "csv", "--out", "list.xlsx"], "--format csv does not match list.xlsx"),
    (["--out", "list.txt"], "cannot tell the format of list.txt"),
])
def test_export_format_clash_is_refused(built, tmp_path, args, said):
    out_index = args.index("--out") + 1
    args = [*args[:out_index], str(tmp_path / args[out_index])]
    result = built("export", "segment", "Champions", *args, check=False)
    assert result.returncode == 1 and result.stderr.count("\n") == 1 and said in result.stderr, result.stderr
    assert not list(tmp_path.iterdir())


def test_unknown_segment_lists_the_valid_ones(built, tmp_path):
    result = built("export", "segment", "Cant Lose'; drop table marts.fct_sales; --", "--out",
                   str(tmp_path / "x.csv"), check=False)
    assert result.returncode == 1 and result.stderr.count("\n") == 1
    assert "unknown segment" in result.stderr and "Can't Lose" in result.stderr and "Hibernating" in result.stderr
    assert built.scalar("select count(*) from marts.fct_sales") > 0
    assert not (tmp_path / "x.csv").exists()


def test_analyses_compile_and_run(built):
    built("dbt", "compile", "--target", "prod", "--select", "resource_type:analysis")
    compiled = sorted((built_target(built) / "compiled" / "lgs_warehouse" / "analyses").glob("*.sql"))
    assert len(compiled) == len(list((ROOT / "analyses").glob("*.sql"))) >= 10
    for path in compiled:
        result = built("sql", "-v", "ON_ERROR_STOP=1", "-f", str(path))
        assert "(0 rows)" not in result.stdout, path.name


def built_target(lgs):
    from pathlib import Path

    return Path(lgs.env["DBT_TARGET_PATH"])
