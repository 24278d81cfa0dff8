"""The HTML page as text: self-contained, escaped, CSP hashes that match, policy highlighting."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from tests.process import under_test_env
from tests.report.hostile import CLOSE_SCRIPT, IMG, SCRIPT, hostile_document
from tests.report.render import render_page

from rolescope.report.fixes import CorrectedPolicy, Fixes
from rolescope.report.html import highlighted_statements, policy_lines, render_html, script_json
from rolescope.report.model import FindingEntry
from rolescope.report.reader import parse_document


class Page(HTMLParser):
    """Collects what the tests look at: script blocks, tags with src/href, the CSP, the text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.styles: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._open: tuple[str, dict[str, str | None]] | None = None
        self._buffer: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._open, self._buffer = (tag, dict(attrs)), []

    def handle_endtag(self, tag: str) -> None:
        if self._open and tag == self._open[0]:
            content = "".join(self._buffer)
            if tag == "script":
                self.scripts.append((self._open[1], content))
            else:
                self.styles.append(content)
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open:
            self._buffer.append(data)
        else:
            self.text.append(data)

    @property
    def csp(self) -> str:
        return next(a["content"] or "" for t, a in self.tags
                    if t == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy")


def parse(document: dict[str, Any]) -> tuple[str, Page]:
    html = render_page(document).decode("utf-8")
    page = Page()
    page.feed(html)
    return html, page


def sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_page_is_self_contained_and_its_csp_allows_only_its_own_code(demo_document: dict[str, Any]) -> None:
    _, page = parse(demo_document)
    assert len(page.scripts) == 2 and len(page.styles) == 1
    (data_attrs, _), (code_attrs, code) = page.scripts
    assert data_attrs == {"type": "application/json", "id": "rolescope-data"} and code_attrs == {}
    directives = dict(d.strip().split(" ", 1) for d in page.csp.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == sha256(code)
    assert directives["style-src"] == sha256(page.styles[0])
    # nothing is fetched: no external script, style, image, font or frame
    for tag, attrs in page.tags:
        assert "src" not in attrs, tag
        if tag == "link":
            raise AssertionError(f"<link> in a self-contained page: {attrs}")
    external = [a["href"] for t, a in page.tags if t == "a" and (a.get("href") or "").startswith("http")]
    assert external and all(h and h.startswith("https://") for h in external)  # reference links only


def test_embedded_data_is_the_graph(demo_document: dict[str, Any]) -> None:
    _, page = parse(demo_document)
    data = json.loads(page.scripts[0][1])
    assert len(data["graph"]["nodes"]) == len(demo_document["graph"]["nodes"])
    assert len(data["graph"]["edges"]) == len(demo_document["graph"]["edges"])
    assert set(data["edgeClasses"]) == {"unguarded", "guarded", "public", "internal"}


def test_every_finding_has_a_row_and_a_detail(demo_document: dict[str, Any]) -> None:
    html, _ = parse(demo_document)
    for finding in demo_document["findings"]:
        assert f'id="finding-{finding["id"]}"' in html and f'id="detail-{finding["id"]}"' in html
    assert f"Showing {len(demo_document['findings'])} of {len(demo_document['findings'])} findings" in html


def test_hostile_strings_are_escaped_everywhere(tmp_path: Path) -> None:
    document = hostile_document(tmp_path / "org")
    html, page = parse(document)
    # the only scripts are ours, and no injected tag exists
    assert len(page.scripts) == 2
    assert not any(t == "img" for t, _ in page.tags)
    assert "<script>window.__pwned" not in html and "<img src=x" not in html
    # the names appear as text
    text = "".join(page.text)
    assert SCRIPT in text and IMG.strip('"') in text
    # and survive, unchanged, in the embedded JSON, which cannot end its <script> block
    data_block = page.scripts[0][1]
    assert "</script" not in data_block.lower() and "<" not in data_block
    assert CLOSE_SCRIPT in json.dumps(json.loads(data_block), ensure_ascii=False)


def test_script_json_escapes_what_could_end_the_block() -> None:
    text = str(script_json({"a": "</script><!-- & \u2028"}))
    assert text == '{"a":"\\u003c/script\\u003e\\u003c!-- \\u0026 \\u2028"}'
    assert json.loads(text) == {"a": "</script><!-- & \u2028"}


POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "Ok", "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"},
        {"Sid": "Open", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"},
    ],
}


def test_policy_lines_are_the_pretty_json_with_the_statement_marked() -> None:
    lines = policy_lines(POLICY, frozenset({1}))
    assert json.loads("\n".join(line.text for line in lines)) == POLICY
    marked = "\n".join(line.text for line in lines if line.highlight)
    assert '"Sid": "Open"' in marked and '"Sid": "Ok"' not in marked
    assert json.loads(marked.strip().rstrip(",")) == POLICY["Statement"][1]


def test_policy_with_a_single_statement_object() -> None:
    policy = {"Version": "2012-10-17", "Statement": POLICY["Statement"][1], "Id": "x"}
    lines = policy_lines(policy, frozenset({0}))
    assert json.loads("\n".join(line.text for line in lines)) == policy
    assert next(line.text.strip() for line in lines if line.highlight).startswith('"Statement": {')
    assert not any(line.highlight for line in lines if '"Id"' in line.text or '"Version"' in line.text)


def test_unusual_policies_are_shown_whole() -> None:
    assert "\n".join(line.text for line in policy_lines(["not", "a", "policy"])) == json.dumps(
        ["not", "a", "policy"], indent=2)
    assert policy_lines(None) == [type(policy_lines(None)[0])("null")]


def test_highlighted_statements_come_from_the_finding_and_its_evidence() -> None:
    def finding(statement: int | None, **evidence: Any) -> FindingEntry:
        return FindingEntry("id", "public-trust", "critical", "111122223333", "arn", "", statement, evidence)

    assert highlighted_statements(finding(2, unguarded_statements=[0, 2])) == {0, 2}
    assert highlighted_statements(finding(None, public_statements=[1])) == {1}
    assert highlighted_statements(finding(None)) == frozenset()


def test_a_minimal_document_renders(demo_document: dict[str, Any]) -> None:
    # e.g. a document from an older rolescope: no graph, scope, suppressions or organisation
    minimal = {k: v for k, v in demo_document.items() if k not in {"graph", "scope", "suppressions", "organization"}}
    html, page = parse(minimal)
    assert "This scan document carries no trust graph" in html
    assert len(page.scripts) == 2


def test_suppressed_and_failed_things_are_visible(demo_document: dict[str, Any]) -> None:
    demo_document["findings"][0]["suppressed"] = "accepted in SEC-1 <b>"
    demo_document["accounts"].append({"account_id": "999999999999", "status": "failed", "error": "AccessDenied",
                                      "alias": None, "roles": []})
    demo_document["suppressions"]["expired"] = [{"index": 3, "expires": "2020-01-01", "reason": "old", "findings": 2}]
    html, page = parse(demo_document)
    assert "accepted in SEC-1 &lt;b&gt;" in html
    assert re.search(r'data-suppressed="1"', html)
    text = " ".join("".join(page.text).split())
    assert "999999999999: AccessDenied" in text
    assert "#3 expired on 2020-01-01: old — 2 findings reported again" in text


def test_an_empty_scan_renders(demo_document: dict[str, Any]) -> None:
    empty = {**demo_document, "findings": [], "graph": {"nodes": [], "edges": [], "chains": []},
             "accounts": [{**a, "roles": []} for a in demo_document["accounts"]]}
    html, _ = parse(empty)
    assert "No role could be analysed" in html and "Showing 0 of 0 findings" in html


def _detail(html: str, finding_id: str) -> str:
    start = html.index(f'id="detail-{finding_id}"')
    return html[start:html.index("</tr>", start)]


def test_fixable_findings_show_the_verified_corrected_policy(demo_document: dict[str, Any]) -> None:
    html, _ = parse(demo_document)
    service = next(f for f in demo_document["findings"] if f["check"] == "service-trust-without-source-condition")
    detail = _detail(html, service["id"])
    assert "Corrected trust policy" in detail and "closes service-trust-without-source-condition" in detail
    assert '<span class="add">+' in detail and "aws:SourceAccount" in detail
    assert f"aws iam update-assume-role-policy --role-name {service['resource'].rsplit('/', 1)[-1]}" in detail
    assert "assume_role_policy = jsonencode(" in detail
    privileged = next(f for f in demo_document["findings"] if f["check"] == "privileged-cross-account-role")
    detail = _detail(html, privileged["id"])
    assert "Corrected trust policy" not in detail
    assert "No automatic trust-policy fix:</b> a permissions change, not a trust-policy change" in detail


def test_the_page_shows_the_fixes_it_is_given_and_plans_none_itself(demo_document: dict[str, Any]) -> None:
    document = parse_document(demo_document)
    first, second = document.findings[0], document.findings[1]
    given = CorrectedPolicy(checks=("given-check",), steps=("a step the caller planned",), warnings=(),
                            notify=("111122223333",), external_id="given-external-id",
                            diff=("--- a", "+++ b", '+  "given": true'), policy="{}", cli="aws iam given",
                            terraform="assume_role_policy = given")
    fixes = Fixes({first.id: given}, {(second.resource, second.check): "a reason the caller gave"})
    html = render_html(document, fixes).decode("utf-8")
    detail = _detail(html, first.id)
    assert "closes given-check on this role" in detail and "a step the caller planned" in detail
    assert "111122223333 first, or choose your own" in detail and "aws iam given" in detail
    assert "No automatic trust-policy fix:</b> a reason the caller gave" in _detail(html, second.id)
    # no planner runs behind the caller's back: without fixes, no finding shows one
    bare = render_html(document, Fixes()).decode("utf-8")
    assert "Corrected trust policy" not in bare and "No automatic trust-policy fix" not in bare


def test_a_planner_refusal_is_a_note_on_the_page(demo_document: dict[str, Any]) -> None:
    html = render_html(parse_document(demo_document), Fixes(error="PlanError: the scan holds no roles")).decode()
    assert "Corrected policies could not be computed: PlanError: the scan holds no roles" in html
    assert all(f'id="detail-{f["id"]}"' in html for f in demo_document["findings"])


@pytest.mark.process
def test_the_graph_clusters_come_in_the_same_order_whatever_the_hash_seed(demo_document: dict[str, Any],
                                                                          tmp_path: Path) -> None:
    scan = tmp_path / "scan.json"
    scan.write_text(json.dumps(demo_document))
    program = ("import json, re, sys; from pathlib import Path; from tests.report.render import render_page; "
               "page = render_page(json.loads(Path(sys.argv[1]).read_text())).decode(); "
               "data = re.search(r'id=\"rolescope-data\">(.*?)</script>', page, re.S).group(1); "
               "print(json.dumps(list(json.loads(data)['graph']['clusters'])))")
    orders = []
    for seed in ("1", "2", "3"):
        done = subprocess.run([sys.executable, "-c", program, str(scan)], capture_output=True, text=True, check=True,
                              env=under_test_env({**os.environ, "PYTHONHASHSEED": seed}))
        orders.append(json.loads(done.stdout))
    assert len(orders[0]) > 2 and orders == [sorted(orders[0])] * 3
