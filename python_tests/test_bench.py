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
