"""The dbt docs site, checked in a real headless Chromium: the overview, a model page with
its columns and descriptions, and the lineage from the raw source to rfm_segments — all
served from localhost with nothing fetched from the internet. Screenshots go to
artifacts/screenshots/."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from conftest import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SHOTS = ROOT / "artifacts" / "screenshots"

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="needs Debian's chromium (scripts/test.sh installs it where apt-get and root are available)"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def site(lgs):
    lgs.reset()
    lgs("demo", "--lines", "20000", "--seed", "3")
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "lgs", "docs", "serve", "--no-generate", "--port", str(port)],
                              cwd=ROOT, env=lgs.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        server.kill()
        pytest.fail(f"docs server did not start: {server.stderr.read()}")
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(10)


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.requests = []  # every URL the page asked for
    page.failures = []
    page.on("request", lambda request: page.requests.append(request.url))
    page.on("requestfailed", lambda request: page.failures.append((request.url, request.failure)))
    yield page
    context.close()
    def remote(url: str) -> bool:
        parsed = urlparse(url)
        return parsed.scheme not in ("file", "data", "blob", "about") and parsed.hostname not in ("127.0.0.1", "localhost")

    outside = [url for url in page.requests if remote(url)]
    assert not outside, f"the docs site fetched from outside this machine: {outside[:5]}"
    # dbt's own page requests two unrendered icon templates locally; anything remote must not fail.
    remote_failures = [failure for failure in page.failures if remote(failure[0])]
    assert not remote_failures, remote_failures


def test_overview_is_the_projects_own(site, page):
    page.goto(f"{site}/#!/overview")
    page.get_by_text("London Gift Shop customer analytics warehouse").first.wait_for(timeout=20_000)
    body = page.inner_text("body")
    for phrase in ("Glossary: each business concept, defined once", "Layers", "Targets",
                   "Where we differ from the notebook", "marts.rfm_segments"):
        assert phrase in body, phrase
    page.screenshot(path=str(SHOTS / "01_overview.png"))


def test_rfm_segments_page_shows_columns_and_descriptions(site, page):
    page.goto(f"{site}/#!/model/model.lgs_warehouse.rfm_segments")
    page.get_by_text("Whole days from the customer's last purchase").first.wait_for(timeout=20_000)
    body = page.inner_text("body")
    for column in ("customer_id", "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score",
                   "rfm_code", "segment", "recommended_campaign", "rfm_as_of"):
        assert column in body, column
    assert "numeric(18,3)" in body and "Enforced" in body  # types from the contract
    page.screenshot(path=str(SHOTS / "02_rfm_segments.png"), full_page=True)


def test_lineage_runs_from_the_raw_source_to_rfm_segments(site, page):
    page.goto(f"{site}/#!/model/model.lgs_warehouse.rfm_segments")
    page.get_by_text("Whole days from the customer's last purchase").first.wait_for(timeout=20_000)
    page.locator(".launcher-btn").last.click()  # the lineage button
    page.locator("[ng-click='showExpanded()']").first.click()  # full-screen lineage: +rfm_segments+
    page.wait_for_function("() => document.querySelector('#cy') && document.querySelector('#cy')._cyreg"
                           " && document.querySelector('#cy')._cyreg.cy.nodes(':visible').length > 5", timeout=20_000)
    page.wait_for_timeout(1000)
    path = page.evaluate(
        """() => {
            const cy = document.querySelector('#cy')._cyreg.cy;
            const visible = cy.elements(':visible');
            const id = (suffix) => visible.nodes().filter(n => (n.data('unique_id') || n.id()).endsWith(suffix))[0];
            const from = id('source.lgs_warehouse.retail.retail_transactions');
            const to = id('model.lgs_warehouse.rfm_segments');
            if (!from || !to) { return null; }
            const route = visible.aStar({root: from, goal: to, directed: true});
            return route.found ? route.path.nodes().map(n => n.data('unique_id') || n.id()) : [];
        }"""
    )
    assert path, "no visible path from the raw source to rfm_segments"
    assert path[0].endswith("retail.retail_transactions") and path[-1].endswith("rfm_segments")
    assert any("stg_retail__invoice_lines" in node for node in path)
    page.screenshot(path=str(SHOTS / "03_lineage.png"))


def test_static_site_opens_from_disk_offline(lgs, site, page):
    static = Path(lgs.env["DBT_TARGET_PATH"]) / "static_index.html"
    page.goto(static.as_uri() + "#!/overview")
    page.get_by_text("London Gift Shop customer analytics warehouse").first.wait_for(timeout=30_000)
    page.screenshot(path=str(SHOTS / "04_static_overview.png"))


def test_docs_build_writes_a_static_folder(lgs, site, page, tmp_path):
    out = tmp_path / "site"
    result = lgs("docs", "build", "--out", str(out))
    assert "static docs site written" in result.stdout
    assert (out / "index.html").stat().st_size > 100_000 and (out / "manifest.json").exists()
    page.goto((out / "index.html").as_uri() + "#!/model/model.lgs_warehouse.monthly_kpis")
    page.get_by_text("net_sales_growth_pct").first.wait_for(timeout=30_000)
