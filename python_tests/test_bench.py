"""The bench harness. The two pandas peers in bench/notebook.py compute the same thing: the
bench compares the warehouse with both, so a peer that answered a different question would
flatter one side. And `python bench/run.py` alone runs every part."""

from __future__ import annotations

import sys

import pandas as pd
import pytest
from conftest import ROOT

from lgs.sample_data import generate

sys.path.insert(0, str(ROOT / "bench"))
import notebook  # noqa: E402


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    path = tmp_path_factory.mktemp("peer") / "sample.csv"
    generate(100_000, 7, path)
    return path


def test_notebook_style_answers_what_the_vectorised_peer_answers(sample):
    slow = notebook.notebook_style(sample, "2012-01-01")
    fast = notebook.vectorised(sample, "2012-01-01")

    assert len(fast["rfm"]) > 300
    columns = ["recency", "frequency", "monetary", "r", "f", "m", "segment"]
    pd.testing.assert_frame_equal(slow["rfm"].rename_axis("customer_id")[columns],
                                  fast["rfm"].rename_axis("customer_id")[columns], check_dtype=False)

    fast_months = fast["months"]
    slow_months = slow["months"][fast_months.columns]
    assert list(slow_months.index) == [p.year * 100 + p.month for p in fast_months.index]
    pd.testing.assert_frame_equal(slow_months.reset_index(drop=True), fast_months.reset_index(drop=True),
                                  check_dtype=False)

    assert slow["distribution"] == pytest.approx(fast["distribution"])


def test_bench_runs_every_part_when_none_is_named():
    # `python bench/run.py` with no arguments is the one command that prints every figure.
    import run

    assert run.parse_args([]).parts == ["load", "build", "notebook", "incremental", "commands", "scale",
                                        "dashboard", "engines"]
    assert run.parse_args(["scale", "--scales", "1,3"]).parts == ["scale"]
    with pytest.raises(SystemExit):
        run.parse_args(["nope"])


def test_bench_memory_is_the_commands_own_peak():
    import run

    ballast = bytearray(400 * 1024 * 1024)  # this process is big; a small command must not look big
    small = run.measure(sys.executable, "-c", "import time; time.sleep(0.3)")
    big = run.measure(sys.executable, "-c", "x = bytearray(300 * 1024 * 1024); import time; time.sleep(0.3)")
    del ballast
    assert 0 < small["peak_rss_mb"] < 100
    assert 300 <= big["peak_rss_mb"] < 450


def _result(unique_id: str, start: float, end: float) -> dict:
    stamp = "2026-12-06T10:00:{:06.3f}Z".format
    return {"unique_id": unique_id, "timing": [
        {"name": "compile", "started_at": stamp(start), "completed_at": stamp(start)},
        {"name": "execute", "started_at": stamp(start), "completed_at": stamp(end)}]}


def test_critical_path_follows_the_gating_tests_and_finds_who_ran_alone():
    # staged -> lines -> pairs, with a slow test on `lines` that gates `pairs` (dbt build runs a
    # model's tests before its children); `sales` and its test run beside them, and a test
    # of both `lines` and `sales` that ends just after `pairs` started, so gated nothing.
    import run

    def node(kind: str, name: str, *parents: str) -> tuple[str, dict]:
        return f"{kind}.p.{name}", {"resource_type": kind, "depends_on": {"nodes": [f"model.p.{p}" for p in parents]}}

    manifest = {"nodes": dict([node("model", "staged"), node("model", "lines", "staged"),
                               node("test", "lines_key", "lines"), node("test", "lines_quick", "lines"),
                               node("model", "pairs", "lines"), node("model", "sales", "staged"),
                               node("test", "sales_key", "sales"),
                               node("test", "lines_to_sales", "lines", "sales")])}
    results = {"results": [
        _result("model.p.staged", 0.0, 1.0), _result("model.p.lines", 1.0, 5.0),
        _result("test.p.lines_quick", 5.0, 5.5), _result("test.p.lines_key", 5.0, 7.0),
        _result("model.p.sales", 1.0, 9.0), _result("test.p.sales_key", 9.0, 9.5),
        _result("test.p.lines_to_sales", 6.0, 7.23), _result("model.p.pairs", 7.2, 12.0),
        _result("operation.p.on-run-end-0", 12.0, 12.5)]}

    path = run.critical_path(results, manifest)

    # The slow test gated pairs, not the quick one; sales ended before pairs and is not on it.
    assert [link["node"] for link in path["chain"]] == [
        "model.p.staged", "model.p.lines", "test.p.lines_key", "model.p.pairs"]
    assert path["seconds"] == 12.0 and path["between_seconds"] == 0.2
    # Alone: staged (0-1), pairs once sales' test ended (9.5-12), the hook; pairs ran beside
    # sales' test, and sales beside the test of both while dbt started pairs.
    assert path["alone"] == {"pairs": 2.5, "staged": 1.0, "on-run-end-0": 0.5}
    assert path["alone_seconds"] == 4.0
