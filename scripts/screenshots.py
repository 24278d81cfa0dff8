"""The README's pictures of the HTML report: the demo's account overview, one account drilled into, one role.

Renders the demo's report, opens it in headless Chromium (the browser tests' DevTools client) and
writes docs/report-overview.png, docs/report-account.png and docs/report-role.png.

Usage: .venv/bin/python scripts/screenshots.py   (needs chromium: apt-get install chromium)
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.cdp import Browser, find_chromium  # noqa: E402 - after the path is set
from tests.browser.graph import click_node, wait_ready  # noqa: E402

ACCOUNT = "account:973518402756"  # northwind-staging: a vendor, a contractor and the organisation reach it
# reached from the security account through its group, and from the management account only by a chain
ROLE_ACCOUNT = "account:640285179423"
ROLE = "arn:aws:iam::640285179423:role/log-archive-athena-reader"


def graph_section(browser: Browser) -> bytes:
    """The trust graph section, whole."""
    top, height = browser.evaluate("""(() => { const r = document.getElementById('graph').getBoundingClientRect();
        return [Math.floor(r.top + window.scrollY), Math.ceil(r.height)]; })()""")
    return browser.screenshot(height=height, top=top)


def main() -> None:
    executable = find_chromium()
    if executable is None:
        sys.exit("screenshots: chromium is not installed (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as scratch:
        page = Path(scratch) / "demo.html"
        subprocess.run([sys.executable, "-m", "rolescope", "demo", "--format", "html", "--output", str(page)],
                       check=True, stdout=subprocess.DEVNULL)
        browser = Browser(executable)
        try:
            browser.open(page)
            wait_ready(browser)
            shots = {"report-overview.png": (), "report-account.png": (ACCOUNT,),
                     "report-role.png": ("#graph-crumbs button", ROLE_ACCOUNT, ROLE)}
            for name, clicks in shots.items():
                for target in clicks:
                    if target.startswith("#"):
                        browser.click(target)
                        wait_ready(browser)
                    else:
                        click_node(browser, target)
                if clicks:
                    browser.click("#zoom-fit")
                (ROOT / "docs" / name).write_bytes(graph_section(browser))
                print(f"wrote docs/{name}")
        finally:
            browser.close()


if __name__ == "__main__":
    main()
