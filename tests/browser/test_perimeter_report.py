"""The data perimeter in the HTML report, in a real headless Chromium: each role's and finding's verdict with
the RCP statement that decides it, the policies considered, and the graph's edges that only an RCP
exception opens."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.browser.cdp import Browser
from tests.browser.graph import click_node, level, opened, wait_ready
from tests.browser.test_html_report import eventually
from tests.report.conftest import perimeter_demo_result  # noqa: F401 - the shared fixture
from tests.report.hostile import SCRIPT
from tests.report.render import render_page

from rolescope.report.document import build_document
from rolescope.scanner import ScanResult

STAGING = "973518402756"
CONTRACTOR = f"arn:aws:iam::{STAGING}:role/external/tessellate-contractor-access"
QA_LOADER = f"arn:aws:iam::{STAGING}:role/qa-fixture-loader"
STATEMENT = "RCP northwind-sts-perimeter (p-7k2m9x4q1w) attached to root r-n0rw, Statement[0] (EnforceOrgIdentities)"


def _write(path: Path, document: dict[str, Any]) -> Path:
    path.write_bytes(render_page(document))
    return path


@pytest.fixture(scope="module")
def perimeter_report(tmp_path_factory: pytest.TempPathFactory,
                     perimeter_demo_result: ScanResult) -> Path:  # noqa: F811
    return _write(tmp_path_factory.mktemp("perimeter") / "demo.html", build_document(perimeter_demo_result))


@pytest.fixture()
def page(browser: Browser, perimeter_report: Path) -> Browser:
    return opened(browser, perimeter_report)


def role_verdict(page: Browser, arn: str) -> str:
    """Open the role's entry in the roles table; the text of its perimeter verdict once drawn."""
    row = f"#roles-table tr[data-arn={json.dumps(arn)}]"
    page.evaluate(f"(() => {{ const input = document.getElementById('roles-filter'); input.value = {json.dumps(arn)};"
                  " input.dispatchEvent(new Event('input')); })()")
    page.evaluate(f"document.querySelector('{row} details').open = true")
    text: str = eventually(page, f"(document.querySelector('{row} .perimeter-verdict') || {{}}).innerText")
    return text


def test_a_role_says_which_rcp_statement_closes_it_or_lets_an_outsider_in(page: Browser) -> None:
    closed = role_verdict(page, CONTRACTOR)
    assert closed.startswith("Closed by the data perimeter") and STATEMENT in closed
    by_exception = role_verdict(page, QA_LOADER)
    assert by_exception.startswith("Open by exception") and STATEMENT in by_exception
    page.drain()
    assert page.problems == []


def test_a_finding_says_its_roles_verdict(page: Browser) -> None:
    page.type_text("#filter-text", QA_LOADER.lower())
    page.click("#findings-table tr.finding")
    verdict = eventually(page, "(document.querySelector('#findings-table tr.detail .perimeter-verdict') || {})"
                               ".innerText")
    assert verdict.startswith("Open by exception") and STATEMENT in verdict


def test_the_policies_considered_are_listed(page: Browser) -> None:
    rows = page.evaluate("Array.from(document.querySelectorAll('#perimeter-policies tbody tr'))"
                         ".map(r => Array.from(r.cells).map(c => c.innerText))")
    assert ["RCP", "p-7k2m9x4q1w", "northwind-sts-perimeter", "root r-n0rw"] in rows
    assert {r[0] for r in rows} == {"RCP", "SCP"} and len(rows) == 4


def test_the_role_level_marks_an_edge_that_only_an_rcp_exception_opens(page: Browser) -> None:
    click_node(page, f"account:{STAGING}")
    click_node(page, QA_LOADER)
    assert level(page) == ("role", QA_LOADER)
    marked = page.evaluate("window.rolescope.graph.edges('.rcp-exception')"
                           ".map(e => [e.target().id(), e.data('label'), e.style('line-style')])")
    assert marked and all(m == [QA_LOADER, "RCP exception", "dotted"] for m in marked)
    incoming = page.evaluate("document.getElementById('panel-in').innerText")
    assert "only by an exception of RCP northwind-sts-perimeter (p-7k2m9x4q1w), Statement[0]" in incoming
    # its legend entry hides them, and brings them back
    page.click('#graph-legend [data-edge-class="rcp-exception"]')
    assert page.evaluate("window.rolescope.graph.edges('.rcp-exception').every(e => e.style('display') === 'none')")
    page.click('#graph-legend [data-edge-class="rcp-exception"]')
    assert page.evaluate("window.rolescope.graph.edges('.rcp-exception').every(e => e.style('display') !== 'none')")


def test_a_hostile_policy_name_is_shown_as_text(browser: Browser, tmp_path: Path,
                                                perimeter_demo_result: ScanResult) -> None:  # noqa: F811
    document = build_document(perimeter_demo_result)
    for policy in document["organization"]["policies"]:
        policy["name"] = SCRIPT
    for account in document["accounts"]:
        for role in account["roles"]:
            for applied in (role.get("perimeter") or {}).get("closed_by") or ():
                applied["policy_name"] = SCRIPT
    browser.open(_write(tmp_path / "hostile.html", document))
    assert wait_ready(browser) == "true"
    verdict = role_verdict(browser, CONTRACTOR)
    browser.drain()
    assert SCRIPT in verdict and browser.evaluate("typeof window.__pwned") == "undefined"
    assert SCRIPT in browser.evaluate("document.getElementById('perimeter-policies').innerText")
    assert browser.dialogs == [] and browser.problems == []
