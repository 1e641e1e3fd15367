"""Operating the warehouse: load batches and their rejects are visible to whoever runs the
loads (`lgs batches`, `lgs rejects`) and, counted without raw text, to analysts."""

from __future__ import annotations

import re

from conftest import GOOD_ROWS, UCI_HEADER, digest, write_csv


def test_rejects_are_shown_where_the_load_says(empty, tmp_path):
    lgs = empty
    rows = [*GOOD_ROWS, ["489470", "22", "X", "2", "31/02/2011", "1.0", "12533.0", "Germany"],
            ["489471", "23", "Y", "two", "2009-12-01 11:00:00", "1.0", "12533.0", "Germany"]]
    loaded = lgs("load", str(write_csv(tmp_path / "mixed.csv", UCI_HEADER, rows)))
    batch = lgs.scalar("select max(batch_id) from raw.load_batches")
    assert f"rejected 2; see the rejected rows with `lgs rejects {batch}`" in loaded.stdout
    shown = lgs("rejects", str(batch)).stdout
    assert f"batch {batch}  mixed.csv row 7: InvoiceDate is not a date-time" in shown
    assert f"batch {batch}  mixed.csv row 8: Quantity is not a whole number: two" in shown
    assert "489471,23,Y,two" in shown
    limited = lgs("rejects", "--limit", "1").stdout
    assert "row 7" in limited and "row 8" not in limited and "(1 more; --limit shows more)" in limited
    missing = lgs("rejects", "999", check=False)
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1 and "no batch 999" in missing.stderr
    listing = lgs("batches").stdout.splitlines()
    assert listing[0].split()[:6] == ["batch", "status", "data", "read", "loaded", "rejected"]
    assert listing[1].split()[:6] == [str(batch), "loaded", "real", "7", "5", "2"] and listing[1].endswith("mixed.csv")

    lgs("build")
    counted = lgs.query("select reason_kind, rejected_rows, first_source_row from marts.load_rejects"
                        " where batch_id = %s order by first_source_row", (batch,))
    assert counted == [("InvoiceDate is not a date-time", 1, 7), ("Quantity is not a whole number", 1, 8)]
    # Analysts can count them, but the mart carries no raw text.
    as_analyst = lgs("sql", "-At", "-c", "select sum(rejected_rows) from load_rejects").stdout.strip()
    assert as_analyst == "2"
    columns = {r[0] for r in lgs.query("select column_name from information_schema.columns"
                                       " where table_schema = 'marts' and table_name = 'load_rejects'")}
    assert not {"raw_content", "reason"} & columns


def test_no_batches_and_no_rejects_say_so(empty):
    assert empty("batches").stdout.strip() == "no batches: `lgs load FILE` loads one"
    assert empty("rejects").stdout.strip() == "no rejected rows"


def _frames(stderr: str) -> list[str]:
    """The progress bar's frames as plain text (ANSI codes and bar glyphs removed)."""
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", stderr).replace("\r", "\n")
    return [re.sub(r"[━╸╺]+", " ", line) for line in plain.splitlines() if "%" in line]


def test_loads_show_percentage_rate_and_time_left(empty, tmp_path):
    lgs = empty
    path = tmp_path / "big.csv"
    # 70,000 lines: as Parquet, more than one batch, so its two parts advance the bar together.
    lgs("generate", "--lines", "70000", "--seed", "5", "--out", str(path))
    quiet = lgs("load", str(path))  # piped: no bar
    assert quiet.stderr == ""
    lgs("load", "--replace", str(path), env=dict(lgs.env, LGS_PROGRESS="always"))
    frames = _frames(lgs("load", "--replace", str(path), env=dict(lgs.env, LGS_PROGRESS="always")).stderr)
    assert frames, "no progress shown"
    pattern = re.compile(r"big\.csv +(\d+)% +[\d.]+/[\d.]+ [kM]B +([\d,]+) rows +[\d,]+ rows/s +(-:--:--|\d:\d\d:\d\d)")
    matched = [pattern.search(frame) for frame in frames]
    assert all(matched), frames[:3]
    # Time left is unknown before the first chunk only.
    assert matched[-1].groups()[:2] == ("100", "70,000") and matched[-1].group(3) != "-:--:--"
    parquet = tmp_path / "big.parquet"
    import pandas

    pandas.read_csv(path, dtype=str).to_parquet(parquet)
    # A Parquet copy of the sample is not the generated file itself: it loads as real data.
    frames = _frames(lgs("load", "--allow-mixed", str(parquet), env=dict(lgs.env, LGS_PROGRESS="always")).stderr)
    assert re.search(r"big\.parquet +100% +70,000 rows +[\d,]+ rows/s", frames[-1]), frames[-1:]


def test_sample_and_real_data_do_not_mix_unless_asked(empty, tmp_path):
    lgs = empty
    sample = tmp_path / "sample.csv"
    lgs("generate", "--lines", "1000", "--seed", "8", "--out", str(sample))
    real = write_csv(tmp_path / "real.csv", UCI_HEADER, GOOD_ROWS)
    lgs("load", str(sample))
    before = digest(lgs, "raw.retail_transactions")
    refused = lgs("load", str(real), check=False)
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1, refused.stderr
    assert "holds generated sample data (batch 1)" in refused.stderr and "lgs unload 1" in refused.stderr
    assert "lgs reset" in refused.stderr and "--allow-mixed" in refused.stderr
    both = lgs("load", str(real), str(sample), check=False)
    assert both.returncode == 1 and "mix generated sample data (sample.csv) with real data" in both.stderr
    assert digest(lgs, "raw.retail_transactions") == before
    assert lgs.scalar("select count(*) from raw.load_batches") == 1
    lgs("load", "--allow-mixed", str(real))
    assert [line.split()[2] for line in lgs("batches").stdout.splitlines()[1:]] == ["sample", "real"]
    # The other way round: real data first refuses the sample.
    lgs("unload", "1")
    refused = lgs("load", str(tmp_path / "sample.csv"), "--replace", check=False)
    assert refused.returncode == 1 and "holds real data (batch 2)" in refused.stderr


def test_unload_leaves_no_trace_after_the_next_build(empty, tmp_path):
    lgs = empty
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    lgs("generate", "--lines", "3000", "--seed", "51", "--out", str(first))
    lgs("generate", "--lines", "1500", "--seed", "52", "--out", str(second))
    lgs("load", str(first), str(second))
    lgs("build")
    assert lgs.scalar("select count(*) from marts.fct_sales where source_file = 'second.csv'") > 0
    for bad in (["3"], ["2", "3"]):
        refused = lgs("unload", *bad, check=False)
        assert refused.returncode == 1 and "no batch 3" in refused.stderr and "nothing was unloaded" in refused.stderr
    assert lgs.scalar("select count(*) from raw.load_batches where status = 'loaded'") == 2
    said = lgs("unload", "2").stdout
    assert "unloaded batch 2 (second.csv, 1,500 rows)" in said and "lgs build" in said
    again = lgs("unload", "2", check=False)
    assert again.returncode == 1 and "batch 2 is unloaded" in again.stderr
    lgs("build")
    tables = ["marts.fct_sales", "marts.fct_orders", "marts.dim_customers", "marts.rfm_segments",
              "marts.monthly_kpis", "marts.dropped_duplicate_lines", "intermediate.int_invoice_lines_ranked"]
    incremental = {t: digest(lgs, t) for t in tables}
    assert not lgs.scalar("select count(*) from intermediate.int_invoice_lines_ranked where batch_id = 2")
    assert not lgs.scalar("select count(*) from marts.fct_sales where source_file = 'second.csv'")
    lgs("build", "--full-refresh")
    assert {t: digest(lgs, t) for t in tables} == incremental


def test_reset_asks_first(empty, tmp_path):
    lgs = empty
    lgs("load", str(write_csv(tmp_path / "real.csv", UCI_HEADER, GOOD_ROWS)))
    refused = lgs("reset", check=False)
    assert refused.returncode == 1 and "pass --yes" in refused.stderr and refused.stderr.count("\n") == 1
    assert lgs.scalar("select count(*) from raw.retail_transactions") == len(GOOD_ROWS)
    assert "the warehouse is empty" in lgs("reset", "--yes").stdout
    assert not lgs.scalar("select count(*) from pg_namespace where nspname in ('raw', 'marts', 'staging')")
    assert lgs("batches").stdout.strip() == "no batches: `lgs load FILE` loads one"
