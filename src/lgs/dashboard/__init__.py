"""The marketing dashboard: a Streamlit app over the published marts, read as the analyst
role, served on 127.0.0.1 only (`lgs dashboard`)."""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from lgs.database import Connection, require_built
from lgs.errors import LgsError

APP = Path(__file__).resolve().parent / "app.py"
# The marts the pages read; the dashboard refuses to start before a build made them.
NEEDED_MARTS = ["monthly_kpis", "rfm_segments", "rfm_segment_summary", "dim_customers", "campaign_audience",
                "cohort_retention", "rfm_history", "customer_recommendations", "customer_predictions", "fct_orders"]


# The pages by URL path (the first is the default, at "/") and their titles.
PAGES = {"": "Overview", "segments": "Segments", "cohorts": "Cohorts", "migration": "Migration",
         "customer": "Customer", "campaigns": "Campaigns"}
# For browser checks (tests, bench): true once a page is interactive, i.e. the app drew its
# last element (a hidden marker after the page), nothing is a loading skeleton or stale, and
# every chart has drawn.
PAGE_READY_JS = """() => {
  if (!document.getElementById('lgs-page-ready')) return false;
  if (document.querySelector('[data-testid="stSkeleton"], [data-stale="true"]')) return false;
  return [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')].every(c => c.querySelector('canvas, svg'));
}"""


def streamlit_command(port: int) -> list[str]:
    """Streamlit headless on 127.0.0.1, no usage statistics, no file watcher, no dev mode."""
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--server.headless", "true",
        "--server.fileWatcherType", "none",
        "--server.runOnSave", "false",
        "--browser.gatherUsageStats", "false",
        "--browser.serverAddress", "127.0.0.1",
        "--global.developmentMode", "false",
        "--client.toolbarMode", "minimal",
        "--theme.base", "light",
    ]


def check_port(port: int) -> None:
    """A busy port is a one-line error before Streamlit starts."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            raise LgsError(f"cannot serve the dashboard on 127.0.0.1:{port}: {exc.strerror or exc}") from None


def run_dashboard(connection: Connection, port: int, say: Callable[[str], None]) -> NoReturn:
    check_port(port)
    with connection.connect() as conn:
        require_built(conn, *(f"marts.{mart}" for mart in NEEDED_MARTS))
    env = dict(os.environ)
    env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] = "false"
    say(f"dashboard on http://127.0.0.1:{port}/ as the analyst role (Ctrl-C stops)")
    sys.stdout.flush()
    sys.stderr.flush()
    # Become Streamlit rather than wait for it: a signal to `lgs dashboard` (Ctrl-C, or a
    # service manager's SIGTERM) then stops the server itself, never leaving it orphaned.
    command = streamlit_command(port)
    os.execve(command[0], command, env)
