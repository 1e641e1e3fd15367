"""What people open in a browser, checked in a real headless Chromium on one demo warehouse:
the dbt docs site (the overview, a model page with its columns and descriptions, the lineage
from the raw source to rfm_segments) and the marketing dashboard (every page renders, its
figures equal the marts, a campaign download has the mart's rows) — all served from
localhost with nothing fetched from anywhere else. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import csv
import io
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from conftest import ROOT

from lgs.dashboard import PAGE_READY_JS, PAGES

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
def demo(lgs):
    lgs.reset()
    lgs("demo", "--lines", "20000", "--seed", "3")
    return lgs


def _serve(lgs, *command: str, port: int, what: str, seconds: float = 60):
    """Start `lgs COMMAND` serving on 127.0.0.1:port; the process once the port answers."""
    server = subprocess.Popen([sys.executable, "-m", "lgs", *command], cwd=ROOT, env=lgs.env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            if server.poll() is not None:
                break
            time.sleep(0.2)
    server.kill()
    pytest.fail(f"{what} did not start: {server.stderr.read()}")


@pytest.fixture(scope="module")
def site(demo):
    port = _free_port()
    server = _serve(demo, "docs", "serve", "--no-generate", "--port", str(port), port=port, what="docs server")
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(10)


@pytest.fixture(scope="module")
def dashboard(demo):
    port = _free_port()
    server = _serve(demo, "dashboard", "--port", str(port), port=port, what="dashboard")
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(10)
    # Stopping `lgs dashboard` stops Streamlit itself: nothing is left serving the port.
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


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
    assert not outside, f"the page fetched from outside this machine: {outside[:5]}"
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


# -- the marketing dashboard ----------------------------------------------------------------
ERRORS = "[data-testid='stException'], [data-testid='stAlertContentError'], [data-testid='stAlertContainer'] .stAlert-error"


def _open(page, url: str) -> None:
    page.goto(url)
    page.wait_for_function(PAGE_READY_JS, timeout=30_000, polling=100)


def _metric(page, label: str) -> str:
    """The value shown by the metric with this label."""
    metric = page.locator("[data-testid='stMetric']").filter(
        has=page.locator("[data-testid='stMetricLabel']", has_text=re.compile(rf"^{re.escape(label)}$")))
    return metric.first.locator("[data-testid='stMetricValue']").inner_text().strip()


@pytest.mark.parametrize("path", list(PAGES))
def test_every_dashboard_page_renders_without_an_error(dashboard, page, path):
    _open(page, f"{dashboard}/{path}")
    assert page.locator("h1").first.inner_text().strip() == PAGES[path]
    assert page.locator(ERRORS).count() == 0, page.inner_text("body")[:2000]
    assert "Page not found" not in page.inner_text("body")
    page.screenshot(path=str(SHOTS / f"dashboard_{PAGES[path].lower()}.png"), full_page=True)


def test_dashboard_figures_equal_the_marts(demo, dashboard, page):
    _open(page, f"{dashboard}/segments")
    champions = demo.scalar("select count(*) from marts.rfm_segments where segment = 'Champions'")
    hibernating = demo.scalar("select count(*) from marts.rfm_segments where segment = 'Hibernating'")
    assert champions > 0 and _metric(page, "Champions") == f"{champions:,}"
    assert _metric(page, "Hibernating") == f"{hibernating:,}"
    _open(page, f"{dashboard}/")
    month, net_sales, orders = demo.query(
        "select month_start, net_sales, orders_placed from marts.monthly_kpis where not is_partial_month"
        " order by month_start desc limit 1")[0]
    assert f"Last complete month: {month:%B %Y}" in page.inner_text("body")
    assert _metric(page, "Net sales") == f"£{net_sales:,.0f}"
    assert _metric(page, "Orders placed") == f"{orders:,}"


def test_customer_page_shows_scores_and_recommendations(demo, dashboard, page):
    customer, segment = demo.query("select r.customer_id, s.segment from marts.customer_recommendations r"
                                   " join marts.rfm_segments s using (customer_id) order by 1 limit 1")[0]
    _open(page, f"{dashboard}/customer")
    page.get_by_label("Customer id").fill(str(customer))
    page.keyboard.press("Enter")
    page.get_by_text("Recommended products").wait_for(timeout=20_000)
    page.wait_for_function(PAGE_READY_JS, timeout=30_000)
    assert _metric(page, "Segment") == segment
    recommended = demo.scalar("select stock_code from marts.customer_recommendations where customer_id = %s"
                              " and recommendation_rank = 1", (customer,))
    assert recommended in page.locator("[data-testid='stTable']").first.inner_text()


def test_campaign_download_has_the_rows_of_the_mart(demo, dashboard, page):
    _open(page, f"{dashboard}/campaigns")
    wanted = {row[0] for row in demo.query("select customer_id from marts.campaign_audience where segment = 'Can''t Lose'")}
    assert wanted and _metric(page, "Customers in the audience") == f"{len(wanted):,}"
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert {int(row["customer_id"]) for row in rows} == wanted and len(rows) == len(wanted)
    assert {row["segment"] for row in rows} == {"Can't Lose"} and "recommended_products" in rows[0]


def test_dashboard_reads_as_the_analyst_role(demo, dashboard, page):
    _open(page, f"{dashboard}/segments")
    users = {row[0] for row in demo.query("select usename from pg_stat_activity where usename is not null")}
    assert "lgs_analyst" in users


def test_dashboard_on_a_busy_port_is_a_one_line_error(demo):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = demo("dashboard", "--port", str(port), check=False, timeout=60)
    assert result.returncode == 1 and result.stderr.count("\n") == 1, result.stderr
    assert f"cannot serve the dashboard on 127.0.0.1:{port}" in result.stderr
