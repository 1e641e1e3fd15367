"""Project quality gates, run in CI: SQL style (sqlfluff, dbt templater), metadata
(every model, column, seed and source documented; every model's primary key tested)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

BIN = Path(sys.executable).parent  # the virtualenv's console scripts


@pytest.fixture(scope="module")
def documented(lgs):
    lgs.reset()
    lgs("demo", "--lines", "10000", "--seed", "2")  # builds and generates manifest + catalog
    return lgs


def test_sql_is_lint_clean(documented):
    result = documented("lint", check=False, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "All Finished" in result.stdout + result.stderr


def test_dbt_score_every_item_ten(documented):
    manifest = f"{documented.env['DBT_TARGET_PATH']}/manifest.json"
    result = subprocess.run([str(BIN / "dbt-score"), "lint", "--manifest", manifest],
                            cwd=ROOT, env=documented.env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "Project score: " in result.stdout and "10.0" in result.stdout


def test_documentation_coverage_is_complete(documented, tmp_path):
    report = tmp_path / "coverage.json"
    result = subprocess.run(
        [str(BIN / "dbt-coverage"), "compute", "doc", "--run-artifacts-dir",
         documented.env["DBT_TARGET_PATH"], "--cov-report", str(report), "--cov-fail-under", "1.0"],
        cwd=ROOT, env=documented.env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    coverage = json.loads(report.read_text())
    assert coverage["covered"] == coverage["total"] > 200


def test_every_public_mart_has_an_enforced_contract_and_tested_key(documented):
    manifest = json.loads((Path(documented.env["DBT_TARGET_PATH"]) / "manifest.json").read_text())
    marts = [n for n in manifest["nodes"].values()
             if n["resource_type"] == "model" and n["schema"] == "marts" and n["access"] == "public"]
    assert len(marts) >= 9
    tests = [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]
    for mart in marts:
        assert mart["config"]["contract"]["enforced"], mart["name"]
        keys = [c["name"] for c in mart["columns"].values() if any(k["type"] == "primary_key" for k in c["constraints"])]
        composite = [k["columns"] for k in mart["constraints"] if k["type"] == "primary_key"]
        assert len(keys) + len(composite) == 1, mart["name"]  # one primary key: a column or a list of them
        mart_tests = [t for t in tests if t.get("test_metadata") and mart["unique_id"] in t["depends_on"]["nodes"]]
        if keys:
            kinds = {t["test_metadata"]["name"] for t in mart_tests if t.get("column_name") == keys[0]}
            assert {"unique", "not_null"} <= kinds, (mart["name"], kinds)
            continue
        # A composite key: its combination tested unique, each of its columns not null (test and constraint).
        combinations = [t["test_metadata"]["kwargs"].get("combination_of_columns") for t in mart_tests
                        if t["test_metadata"]["name"] == "unique_combination_of_columns"]
        assert composite[0] in combinations, (mart["name"], combinations)
        for column in composite[0]:
            assert {"not_null"} <= {t["test_metadata"]["name"] for t in mart_tests if t.get("column_name") == column}, \
                (mart["name"], column)
            assert any(k["type"] == "not_null" for k in mart["columns"][column]["constraints"]), (mart["name"], column)


def test_every_not_null_test_of_a_public_mart_is_a_not_null_column(documented):
    """The database enforces what a mart's `not_null` tests require (their tests then read
    nothing on PostgreSQL, macros/enforced_keys.sql): a test without its constraint would
    read the whole table on every build."""
    manifest = json.loads((Path(documented.env["DBT_TARGET_PATH"]) / "manifest.json").read_text())
    marts = {n["unique_id"]: n for n in manifest["nodes"].values()
             if n["resource_type"] == "model" and n["schema"] == "marts" and n["access"] == "public"}
    checked = 0
    for test in manifest["nodes"].values():
        if test["resource_type"] != "test" or (test.get("test_metadata") or {}).get("name") != "not_null":
            continue
        mart = marts.get(test.get("attached_node"))
        if mart is None:
            continue
        kinds = {k["type"] for k in mart["columns"][test["column_name"]]["constraints"]}
        assert kinds & {"not_null", "primary_key"}, (mart["name"], test["column_name"])
        checked += 1
    assert checked >= 40


def test_deduplicated_lines_keep_every_staged_column(documented):
    """`int_invoice_lines_deduplicated` lists the staged view's columns one by one (its keys
    come from the rank, and dbt_utils.star refuses unit tests' ephemeral inputs): a column
    added to `stg_retail__invoice_lines` and not to that list would be missing from every
    mart downstream. The catalog (the database's own columns) says whether one is missing."""
    catalog = json.loads((Path(documented.env["DBT_TARGET_PATH"]) / "catalog.json").read_text())["nodes"]
    staged = set(catalog["model.lgs_warehouse.stg_retail__invoice_lines"]["columns"])
    deduplicated = set(catalog["model.lgs_warehouse.int_invoice_lines_deduplicated"]["columns"])
    assert len(staged) >= 20
    assert staged <= deduplicated, sorted(staged - deduplicated)
