"""The HTML report in a real headless Chromium: loads cleanly, draws the graph at its three levels, filters,
renders details on demand, resists injection."""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import Any

import pytest
from tests.browser.cdp import Browser
from tests.browser.graph import click_node, eventually, graph_nodes, level, opened, wait_ready
from tests.report.hostile import SCRIPT, SCRIPT_ROLE, hostile_document
from tests.report.render import embedded_data, render_page

from rolescope.report.html_vendor import vendored_scripts
from rolescope.trust.graph_json import section_edges

DOCS = Path(__file__).resolve().parents[2] / "docs"
SECURITY = "529174068312"
STAGING = "973518402756"
CONTRACTOR = f"arn:aws:iam::{STAGING}:role/external/tessellate-contractor-access"
GITHUB_ROLE = "arn:aws:iam::751396280534:role/github/github-actions-legacy-deploy"


def visible_rows(browser: Browser) -> list[dict[str, str]]:
    return browser.evaluate(
        "Array.from(document.querySelectorAll('#findings-table tr.finding')).filter(r => !r.hidden)"
        ".map(r => ({id: r.dataset.id, severity: r.dataset.severity, check: r.dataset.check,"
        " account: r.dataset.account, role: r.querySelector('.role-cell').title}))")


@pytest.fixture()
def page(browser: Browser, demo_report: Path) -> Browser:
    return opened(browser, demo_report)


def test_loads_without_console_errors_and_draws_the_account_overview(page: Browser, demo_report: Path) -> None:
    page.drain()
    assert page.problems == [] and page.dialogs == []
    assert level(page) == ("overview", "")
    overview = embedded_data(demo_report.read_text())["graph"]["overview"]
    assert sorted(graph_nodes(page)) == sorted(n["id"] for n in overview["nodes"])
    drawn = page.evaluate("window.rolescope.graph.edges().map(e => [e.source().id(), e.target().id(),"
                          " e.data('roles'), e.data('cls')])")
    assert sorted(map(tuple, drawn)) == sorted((e["source"], e["target"], e["roles"], e["class"])
                                               for e in overview["edges"])
    # each edge is as thick as the number of roles it opens
    widths = page.evaluate("window.rolescope.graph.edges().map(e => [e.data('roles'), e.renderedWidth()])")
    assert all((a[0] < b[0]) <= (a[1] <= b[1]) for a in widths for b in widths)
    # every node was placed (no NaN), apart from the others, and the fitted view shows all of them
    boxes = page.evaluate("""(() => { const cy = window.rolescope.graph;
        return cy.nodes().map(n => { const b = n.renderedBoundingBox({includeLabels: false});
            return [b.x1, b.y1, b.x2, b.y2, cy.width(), cy.height()]; }); })()""")
    assert boxes and all(x1 >= -1 and y1 >= -1 and x2 <= w + 1 and y2 <= h + 1 for x1, y1, x2, y2, w, h in boxes)
    assert len({(round(b[0]), round(b[1])) for b in boxes}) == len(boxes)
    assert page.evaluate("document.querySelectorAll('#trust-graph canvas').length") > 0


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
    # a column header sorts, a second click reverses
    page.click('#findings-table button.sort[data-sort="name"]')
    names = page.evaluate("Array.from(document.querySelectorAll('#findings-table .role-cell')).map(c => c.textContent)")
    assert names == sorted(names) and len(set(names)) > 1
    page.click('#findings-table button.sort[data-sort="name"]')
    assert page.evaluate("Array.from(document.querySelectorAll('#findings-table .role-cell'))"
                         ".map(c => c.textContent)") == sorted(names, reverse=True)


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
    assert page.evaluate(f"document.querySelector('{detail}')") is None
    # a finding a trust edit closes shows the verified corrected policy as a diff
    fixable = next(f for f in demo_document["findings"] if f["check"] == "cross-account-without-mfa-or-external-id")
    page.click(f"#finding-{fixable['id']} td.toggle")
    added = page.evaluate(f"Array.from(document.querySelectorAll('#detail-{fixable['id']} pre.diff .add'))"
                          ".map(s => s.textContent).join('\\n')")
    assert '"sts:ExternalId"' in added
    # a finding whose severity is not the catalogue's says both, and why
    lowered = next(f for f in demo_document["findings"] if "severity_override" in f)
    page.click(f"#finding-{lowered['id']} td.toggle")
    reason = lowered["severity_override"]["reason"]
    detail = page.evaluate(f"document.getElementById('detail-{lowered['id']}').innerText")
    assert f"(catalogue: high): {reason}" in detail
    badge = page.evaluate(f"document.querySelector('#finding-{lowered['id']} .badge').title")
    assert badge == f"catalogue: high; {reason}"


def test_an_account_shows_its_roles_and_who_reaches_them(page: Browser, demo_document: dict[str, Any]) -> None:
    click_node(page, f"account:{STAGING}")
    assert level(page) == ("account", f"account:{STAGING}")
    assert "northwind-staging" in page.evaluate("document.getElementById('graph-crumbs').innerText")
    nodes = set(graph_nodes(page))
    graph = demo_document["graph"]
    roles = {n["id"] for n in graph["nodes"] if n["kind"] == "role" and n["account"] == STAGING}
    assert roles <= nodes
    # who reaches them: the sources of every assumption edge into them, each boxed by where it comes from
    sources = {e["source"] for e in section_edges(graph)
               if e["target"] in roles and e["kind"] in ("trust", "grant", "admitted")}
    assert sources and nodes == roles | sources
    parents = page.evaluate("window.rolescope.graph.nodes().filter(n => n.isParent()).map(n => n.id())")
    assert f"box:account:{STAGING}" in parents and f"box:account:{SECURITY}" in parents
    page.drain()
    assert page.problems == []
    # back to the overview
    page.click("#graph-crumbs button")
    wait_ready(page)
    assert level(page) == ("overview", "")


def test_an_outside_account_lists_the_accounts_it_reaches(page: Browser) -> None:
    click_node(page, "account:409632178845")
    assert level(page) == ("overview", "")
    assert page.evaluate("document.getElementById('panel-title').textContent") == "409632178845"
    reaches = page.evaluate("document.getElementById('panel-in').innerText")
    assert "973518402756 (northwind-staging): 1 role (1 unguarded)" in reaches
    page.click("#panel-in button")
    wait_ready(page)
    assert level(page) == ("account", f"account:{STAGING}")


def test_a_role_shows_who_reaches_it_through_which_chain_and_what_each_request_carries(
        page: Browser, demo_document: dict[str, Any]) -> None:
    graph = demo_document["graph"]
    role = next(n for n in graph["nodes"] if n.get("chain") is not None and n.get("indirect") is not None)
    chain = graph["chains"][role["chain"]]
    click_node(page, f"account:{role['account']}")
    click_node(page, role["id"])
    assert level(page) == ("role", role["id"])
    assert page.evaluate("document.getElementById('graph-panel').hidden") is False
    assert page.evaluate("document.getElementById('panel-title').textContent") == role["id"].rsplit("/", 1)[-1]
    # the chain is drawn, marked, and told hop by hop with what each request must carry
    assert set(chain["path"]) <= set(graph_nodes(page))
    marked = page.evaluate("window.rolescope.graph.nodes('.on-chain').map(n => n.id())")
    assert sorted(marked) == sorted(chain["path"])
    hops = page.evaluate("Array.from(document.querySelectorAll('#panel-reach ol.hops li')).map(l => l.innerText)")
    assert len(hops) == len(chain["steps"])
    for hop, step in zip(hops, chain["steps"], strict=True):
        if step["kind"] == "member":
            assert "a member of the group" in hop
        elif step["requires"]:
            assert "the request must carry" in hop
        else:
            assert "the request needs nothing" in hop
    reach = page.evaluate("document.getElementById('panel-reach').innerText")
    assert "Reachable from outside by: " in reach and "Only through chains of assumptions: " in reach
    # the crumbs lead back to its account
    page.click("#graph-crumbs button:last-of-type")
    wait_ready(page)
    assert level(page) == ("account", f"account:{role['account']}")


def test_a_role_whose_only_way_in_is_internal_is_never_nobodys(page: Browser) -> None:
    # the GitHub OIDC role's one way in is its account's identity provider: an "internal" edge
    page.evaluate("(() => { const s = document.getElementById('graph-account'); s.value = '751396280534';"
                  " s.dispatchEvent(new Event('change')); })()")
    wait_ready(page)
    page.click('#graph-legend [data-edge-class="internal"]')  # hidden in the drawing, still listed
    click_node(page, GITHUB_ROLE)
    incoming = page.evaluate("document.getElementById('panel-in').innerText")
    assert "nobody" not in incoming and "no principal" not in incoming
    assert "token.actions.githubusercontent.com" in incoming and "OIDC audience" in incoming
    page.click('#graph-legend [data-edge-class="internal"]')


def test_clicking_a_role_leads_to_its_findings_and_its_entry(page: Browser, demo_document: dict[str, Any]) -> None:
    click_node(page, f"account:{STAGING}")
    click_node(page, CONTRACTOR)
    assert page.evaluate("document.getElementById('panel-title').textContent") == "tessellate-contractor-access"
    incoming = page.evaluate("document.getElementById('panel-in').innerText")
    sources = {e["source"] for e in section_edges(demo_document["graph"]) if e["target"] == CONTRACTOR}
    labels = {n.get("label") or n["id"].rsplit("/", 1)[-1] for n in demo_document["graph"]["nodes"]
              if n["id"] in sources}
    assert sources and all(label.split(" ")[0] in incoming for label in labels)
    page.click("#panel-links button:last-child")
    rows = visible_rows(page)
    assert rows and {r["role"] for r in rows} == {CONTRACTOR}
    page.click("#panel-links button:first-child")
    row = page.evaluate(f"document.querySelector('#roles-table tr[data-arn=\"{CONTRACTOR}\"] details').open")
    assert row is True
    # the entry's details are drawn when it opens: on a loaded machine that can be a moment later
    policy = eventually(page, f"(document.querySelector('#roles-table tr[data-arn=\"{CONTRACTOR}\"] pre.policy') "
                              "|| {}).innerText")
    assert '"Statement"' in policy
    # and from its entry back to its place in the graph
    page.click(f'#roles-table tr[data-arn="{CONTRACTOR}"] button.graph-link')
    wait_ready(page)
    assert level(page) == ("role", CONTRACTOR)


def test_a_role_reached_through_a_group_names_the_group_and_who_reaches_it(page: Browser) -> None:
    arn = "arn:aws:iam::640285179423:role/log-archive-athena-reader"
    page.click('#graph-legend [data-edge-class="unguarded"]')
    click_node(page, "account:640285179423")
    click_node(page, arn)
    incoming = page.evaluate("document.getElementById('panel-in').innerText")
    assert "of 529174068312 may assume any role that trusts the account" in incoming
    reach = page.evaluate("document.getElementById('panel-reach').innerText")
    assert reach.startswith("Reachable from outside by: ") and "account 529174068312 (northwind-security)" in reach
    assert "Only through chains of assumptions: account 318406275193" in reach and "Example chain" in reach
    # a group shows its members
    page.click('#graph-legend [data-edge-class="unguarded"]')
    click_node(page, "group:529174068312")
    assert "1 role and 0 users are members." in page.evaluate("document.getElementById('panel-reach').innerText")


def test_the_chain_list_opens_on_demand_and_leads_to_a_role(page: Browser, demo_document: dict[str, Any]) -> None:
    assert page.evaluate("document.querySelectorAll('#chain-list li').length") == 0
    page.click("#graph-chains summary")
    page.evaluate("new Promise(r => setTimeout(r, 50))")  # a <details> reports its toggle in a task of its own
    assert page.evaluate("document.querySelectorAll('#chain-list li').length") == len(demo_document["graph"]["chains"])
    target = demo_document["graph"]["chains"][0]["path"][-1]
    page.click(f'#chain-list li:first-child button[title="{target}"]')
    wait_ready(page)
    assert level(page) == ("role", target)


def test_zoom_and_legend_toggles(page: Browser) -> None:
    zoom = "Number(document.getElementById('trust-graph').dataset.zoom)"
    start = page.evaluate(zoom)
    page.click("#zoom-in")
    zoomed = page.evaluate(zoom)
    assert zoomed == pytest.approx(start * 1.3, rel=1e-3)
    box = page.evaluate("(() => { const r = document.getElementById('trust-graph').getBoundingClientRect();"
                        " return [r.left + r.width / 2, r.top + r.height / 2]; })()")
    # cytoscape leaves the wheel to the page for a moment after the page scrolled (the click scrolled it)
    page.evaluate("new Promise(r => setTimeout(r, 400))")
    page.wheel(box[0], box[1], 300)
    assert page.evaluate(zoom) < zoomed
    page.click("#zoom-fit")
    assert page.evaluate(zoom) == pytest.approx(start, rel=1e-3)
    hidden = "window.rolescope.graph.edges('.unguarded').filter(e => e.style('display') === 'none').length"
    total = page.evaluate("window.rolescope.graph.edges('.unguarded').length")
    page.click('#graph-legend [data-edge-class="unguarded"]')
    assert page.evaluate(hidden) == total > 0
    # the choice holds at the next level too
    click_node(page, f"account:{STAGING}")
    assert page.evaluate(hidden) == page.evaluate("window.rolescope.graph.edges('.unguarded').length") > 0
    page.click('#graph-legend [data-edge-class="unguarded"]')
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
    assert wait_ready(browser) == "true"
    # every finding opened (its policy, Sids and fix drawn), every role's details too
    browser.evaluate("Array.from(document.querySelectorAll('#findings-table tr.finding')).forEach(r => r.click())")
    browser.evaluate("Array.from(document.querySelectorAll('#roles-table details')).forEach(d => { d.open = true; })")
    account = SCRIPT_ROLE.split(":")[4]
    click_node(browser, f"account:{account}")
    click_node(browser, SCRIPT_ROLE)
    browser.drain()
    assert browser.dialogs == []
    assert browser.evaluate("typeof window.__pwned") == "undefined"
    assert browser.problems == []
    assert browser.evaluate("document.scripts.length") == 2 + len(vendored_scripts())
    assert browser.evaluate("document.images.length") == 0
    details = browser.evaluate("document.querySelectorAll('#findings-table tr.detail').length")
    assert details == len(document["findings"])
    cells = browser.evaluate("Array.from(document.querySelectorAll('.role-cell')).map(c => c.textContent)")
    assert SCRIPT in cells
    assert browser.evaluate("document.getElementById('panel-title').textContent") == SCRIPT
    assert SCRIPT in browser.evaluate("document.getElementById('graph-crumbs').textContent")
    text = browser.evaluate("document.body.innerText")
    assert SCRIPT in text and "img src=x onerror" in text


def test_a_document_without_graph_or_findings_loads_cleanly(browser: Browser, tmp_path: Path,
                                                            demo_document: dict[str, Any]) -> None:
    empty = {**demo_document, "findings": [], "graph": None}
    report = tmp_path / "empty.html"
    report.write_bytes(render_page(empty))
    browser.open(report)
    assert wait_ready(browser) == "empty"
    browser.drain()
    assert browser.problems == []
    assert browser.evaluate("document.getElementById('findings-count').textContent") == "Showing 0 of 0 findings"
