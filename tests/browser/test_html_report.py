"""The HTML report in a real headless Chromium: loads cleanly, draws the graph, filters, resists injection."""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import Any

import pytest
from tests.browser.cdp import Browser
from tests.report.hostile import SCRIPT, SCRIPT_ROLE, hostile_document
from tests.report.render import render_page

from rolescope.trust.graph_json import section_edges

DOCS = Path(__file__).resolve().parents[2] / "docs"


def visible_rows(browser: Browser) -> list[dict[str, str]]:
    return browser.evaluate(
        "Array.from(document.querySelectorAll('#findings-table tr.finding')).filter(r => !r.hidden)"
        ".map(r => ({id: r.dataset.id, severity: r.dataset.severity, check: r.dataset.check,"
        " account: r.dataset.account, role: r.querySelector('.role-cell').title}))")


@pytest.fixture()
def page(browser: Browser, demo_report: Path) -> Browser:
    browser.open(demo_report)
    assert browser.evaluate("document.getElementById('trust-graph').dataset.ready") == "true"
    return browser


def test_loads_without_console_errors_and_draws_the_graph(page: Browser, demo_document: dict[str, Any]) -> None:
    page.drain()
    assert page.problems == [] and page.dialogs == []
    graph = demo_document["graph"]
    assert page.evaluate("document.querySelectorAll('#trust-graph .node').length") == len(graph["nodes"]) > 20
    assert page.evaluate("document.querySelectorAll('#trust-graph path.edge').length") == len(section_edges(graph)) > 20
    # every node was placed (no NaN) and the fitted view shows all of them inside the drawing area
    inside = page.evaluate("""(() => {
        const box = document.getElementById('trust-graph').getBoundingClientRect();
        return Array.from(document.querySelectorAll('#trust-graph .node .shape')).map(s => {
            const r = s.getBoundingClientRect();
            return Number.isFinite(r.x) && r.left >= box.left - 1 && r.right <= box.right + 1
                && r.top >= box.top - 1 && r.bottom <= box.bottom + 1; });
    })()""")
    assert inside and all(inside)
    # nodes are spread out, not piled up
    positions = page.evaluate("Array.from(document.querySelectorAll('#trust-graph .node'))"
                              ".map(n => n.getAttribute('transform'))")
    assert len(set(positions)) == len(positions)
    edge_classes = page.evaluate("Array.from(document.querySelectorAll('#trust-graph path.edge'))"
                                 ".map(e => e.dataset.class)")
    assert sorted(edge_classes) == sorted(e["class"] for e in section_edges(graph))


def test_findings_filter_by_severity_check_account_and_text(page: Browser, demo_document: dict[str, Any]) -> None:
    findings = demo_document["findings"]
    assert len(visible_rows(page)) == len(findings)
    # a summary card filters to its severity
    page.click("button.card.sev-critical")
    rows = visible_rows(page)
    assert rows and {r["severity"] for r in rows} == {"critical"}
    assert len(rows) == sum(1 for f in findings if f["severity"] == "critical")
    assert page.evaluate("document.getElementById('findings-count').textContent") == \
        f"Showing {len(rows)} of {len(findings)} findings"
    # unticking a severity chip removes it
    page.click("#filter-reset")
    page.click("label.chip.sev-high input")
    assert "high" not in {r["severity"] for r in visible_rows(page)}
    assert len(visible_rows(page)) == sum(1 for f in findings if f["severity"] != "high")
    # check and account selects combine
    page.click("#filter-reset")
    page.evaluate("(() => { const s = document.getElementById('filter-check');"
                  " s.value = 'privileged-cross-account-role'; s.dispatchEvent(new Event('change'));"
                  " const a = document.getElementById('filter-account');"
                  " a.value = '973518402756'; a.dispatchEvent(new Event('change')); })()")
    rows = visible_rows(page)
    expected = [f["id"] for f in findings
                if f["check"] == "privileged-cross-account-role" and f["account_id"] == "973518402756"]
    assert sorted(r["id"] for r in rows) == sorted(expected) and expected
    # typed text matches role names, case-insensitively
    page.click("#filter-reset")
    page.type_text("#filter-text", "TESSELLATE")
    rows = visible_rows(page)
    assert rows and all("tessellate" in r["role"].lower() for r in rows)
    assert len(rows) == sum(1 for f in findings if "tessellate" in f["resource"])
    page.type_text("#filter-text", "-no-such-role")
    assert visible_rows(page) == []
    assert page.evaluate("document.getElementById('findings-empty').hidden") is False
    page.click("#filter-reset")
    assert len(visible_rows(page)) == len(findings)


def test_a_finding_opens_with_its_policy_statement_highlighted(page: Browser, demo_document: dict[str, Any]) -> None:
    finding = next(f for f in demo_document["findings"] if f["check"] == "oidc-trust-without-subject")
    page.click(f"#finding-{finding['id']} td.toggle")
    detail = f"#detail-{finding['id']}"
    assert page.evaluate(f"document.querySelector('{detail}').hidden") is False
    highlighted = page.evaluate(f"Array.from(document.querySelectorAll('{detail} pre.policy .hl'))"
                                ".map(s => s.textContent).join('\\n')")
    assert '"Federated"' in highlighted and "AssumeRoleWithWebIdentity" in highlighted
    assert '"Version"' not in highlighted
    text = page.evaluate(f"document.querySelector('{detail}').innerText")
    assert "aws iam update-assume-role-policy" in text and "Terraform" in text and "NIST-800-53-Rev5" in text
    assert "No automatic trust-policy fix: needs --oidc-subject" in text  # never guessed
    page.click(f"#finding-{finding['id']} td.toggle")
    assert page.evaluate(f"document.querySelector('{detail}').hidden") is True
    # a finding a trust edit closes shows the verified corrected policy as a diff
    fixable = next(f for f in demo_document["findings"] if f["check"] == "cross-account-without-mfa-or-external-id")
    page.click(f"#finding-{fixable['id']} td.toggle")
    added = page.evaluate(f"Array.from(document.querySelectorAll('#detail-{fixable['id']} pre.diff .add'))"
                          ".map(s => s.textContent).join('\\n')")
    assert '"sts:ExternalId"' in added


def test_clicking_a_role_in_the_graph_shows_who_can_assume_it(page: Browser, demo_document: dict[str, Any]) -> None:
    arn = "arn:aws:iam::973518402756:role/external/tessellate-contractor-access"
    selector = f'#trust-graph .node[data-id="{arn}"] .shape'
    page.click(selector)
    assert page.evaluate("document.getElementById('graph-panel').hidden") is False
    assert page.evaluate("document.getElementById('panel-title').textContent") == "tessellate-contractor-access"
    incoming = page.evaluate("document.getElementById('panel-in').innerText")
    sources = {e["source"] for e in section_edges(demo_document["graph"]) if e["target"] == arn}
    labels = {n["label"] for n in demo_document["graph"]["nodes"] if n["id"] in sources}
    assert sources and all(label.split(" ")[0] in incoming for label in labels)
    assert page.evaluate("document.getElementById('trust-graph').classList.contains('focus')") is True
    lit = page.evaluate("document.querySelectorAll('#trust-graph path.edge.lit').length")
    assert lit == sum(1 for e in section_edges(demo_document["graph"]) if arn in (e["source"], e["target"]))
    # click-through: its findings, then its role entry
    page.click("#panel-links button:last-child")
    rows = visible_rows(page)
    assert rows and {r["role"] for r in rows} == {arn}
    page.click(selector)
    page.click("#panel-links button:first-child")
    role_row = next(n["anchor"] for n in page.evaluate("JSON.parse(document.getElementById('rolescope-data')"
                                                       ".textContent).graph.nodes") if n["id"] == arn)
    assert page.evaluate(f"document.querySelector('#{role_row} details').open") is True


def test_a_role_reached_through_a_group_names_the_group_and_who_reaches_it(page: Browser) -> None:
    arn = "arn:aws:iam::640285179423:role/log-archive-athena-reader"
    # its one way in (from the security account's group) is hidden by the legend: still listed
    page.click('#graph-legend [data-edge-class="unguarded"]')
    page.click(f'#trust-graph .node[data-id="{arn}"] .shape')
    incoming = page.evaluate("document.getElementById('panel-in').innerText")
    assert "nobody" not in incoming
    assert "of 529174068312 may assume any role that trusts the account" in incoming
    reach = page.evaluate("document.getElementById('panel-reach').innerText")
    assert reach.startswith("Reachable from outside by: ") and "account 529174068312 (northwind-security)" in reach
    assert "Only through chains of assumptions: account 318406275193" in reach and "Example chain:" in reach
    # a group shows its members
    page.click('#graph-legend [data-edge-class="unguarded"]')
    page.click('#trust-graph .node[data-id="group:529174068312"] .shape')
    assert "1 role and 0 users are members." in page.evaluate("document.getElementById('panel-reach').innerText")
    assert "member" in page.evaluate("document.getElementById('panel-in').innerText")


def test_zoom_and_legend_toggles(page: Browser) -> None:
    start = float(page.evaluate("document.getElementById('trust-graph').dataset.zoom"))
    page.click("#zoom-in")
    zoomed = float(page.evaluate("document.getElementById('trust-graph').dataset.zoom"))
    assert zoomed == pytest.approx(start * 1.3, rel=1e-3)
    box = page.evaluate("(() => { const r = document.getElementById('trust-graph').getBoundingClientRect();"
                        " return [r.left + r.width / 2, r.top + r.height / 2]; })()")
    page.wheel(box[0], box[1], 300)
    assert float(page.evaluate("document.getElementById('trust-graph').dataset.zoom")) < zoomed
    page.click("#zoom-fit")
    assert float(page.evaluate("document.getElementById('trust-graph').dataset.zoom")) == pytest.approx(start)
    hidden = "Array.from(document.querySelectorAll('#trust-graph path.edge.internal'))" \
             ".filter(e => getComputedStyle(e).display === 'none').length"
    total = page.evaluate("document.querySelectorAll('#trust-graph path.edge.internal').length")
    page.click('#graph-legend [data-edge-class="internal"]')
    assert page.evaluate(hidden) == total > 0
    page.click('#graph-legend [data-edge-class="internal"]')
    assert page.evaluate(hidden) == 0


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_screenshot(page: Browser, tmp_path: Path) -> None:
    page.evaluate("window.scrollTo(0, 0)")
    shot = page.screenshot()
    assert png_size(shot) == (1400, 1000)
    assert len(shot) > 60_000, "a page with a drawn graph does not compress to almost nothing"
    (tmp_path / "viewport.png").write_bytes(shot)
    # the summary and the whole trust graph, as shown in the README
    bottom = page.evaluate("Math.ceil(document.getElementById('graph').getBoundingClientRect().bottom"
                           " + window.scrollY + 16)")
    top = page.screenshot(height=bottom)
    assert png_size(top)[1] == bottom > 1000
    if os.environ.get("ROLESCOPE_UPDATE_SCREENSHOT"):
        DOCS.mkdir(exist_ok=True)
        (DOCS / "demo-report.png").write_bytes(top)


def test_hostile_names_and_policies_are_shown_as_text_never_run(browser: Browser, tmp_path: Path) -> None:
    document = hostile_document(tmp_path / "org")
    report = tmp_path / "hostile.html"
    report.write_bytes(render_page(document))
    browser.open(report)
    browser.evaluate("Array.from(document.querySelectorAll('#findings-table tr.finding')).forEach(r => r.click())")
    browser.click(f'#trust-graph .node[data-id="{SCRIPT_ROLE}"] .shape')
    browser.drain()
    assert browser.dialogs == []
    assert browser.evaluate("typeof window.__pwned") == "undefined"
    assert browser.problems == []
    assert browser.evaluate("document.scripts.length") == 2
    assert browser.evaluate("document.images.length") == 0
    assert browser.evaluate("document.getElementById('trust-graph').dataset.ready") == "true"
    cells = browser.evaluate("Array.from(document.querySelectorAll('.role-cell')).map(c => c.textContent)")
    assert SCRIPT in cells
    assert browser.evaluate("document.getElementById('panel-title').textContent") == SCRIPT
    assert SCRIPT in browser.evaluate("document.body.innerText")


def test_a_document_without_graph_or_findings_loads_cleanly(browser: Browser, tmp_path: Path,
                                                            demo_document: dict[str, Any]) -> None:
    empty = {**demo_document, "findings": [], "graph": None}
    report = tmp_path / "empty.html"
    report.write_bytes(render_page(empty))
    browser.open(report)
    browser.drain()
    assert browser.problems == []
    assert browser.evaluate("document.getElementById('trust-graph').dataset.ready") == "empty"
    assert browser.evaluate("document.getElementById('findings-count').textContent") == "Showing 0 of 0 findings"
