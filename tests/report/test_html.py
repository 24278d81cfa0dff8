"""The HTML page as text: self-contained, escaped, CSP hashes that match, policy highlighting."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from tests.process import under_test_env
from tests.report.hostile import CLOSE_SCRIPT, IMG, SCRIPT, hostile_document
from tests.report.render import embedded_data, render_page

from rolescope.report.fixes import CorrectedPolicy, Fixes
from rolescope.report.html import render_html
from rolescope.report.html_data import highlighted_statements
from rolescope.report.html_vendor import vendored_scripts
from rolescope.report.model import FindingEntry
from rolescope.report.reader import parse_document
from rolescope.trust.graph_json import section_edges


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
    libraries = vendored_scripts()
    assert len(page.scripts) == 2 + len(libraries) and len(page.styles) == 1
    (data_attrs, _), *code = page.scripts
    assert data_attrs == {"type": "application/octet-stream", "id": "rolescope-data", "data-encoding": "gzip+base64"}
    assert all(attrs == {} for attrs, _ in code)
    # the vendored library first, in the manifest's order, then the page's own script
    assert [text for _, text in code[:-1]] == [library.source for library in libraries]
    directives = dict(d.strip().split(" ", 1) for d in page.csp.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"].split() == [sha256(text) for _, text in code]
    assert directives["style-src"] == sha256(page.styles[0])
    assert "unsafe" not in page.csp
    # nothing is fetched: no external script, style, image, font or frame
    for tag, attrs in page.tags:
        assert "src" not in attrs, tag
        if tag == "link":
            raise AssertionError(f"<link> in a self-contained page: {attrs}")
    external = [a["href"] for t, a in page.tags if t == "a" and (a.get("href") or "").startswith("http")]
    assert all(h and h.startswith("https://") for h in external)  # reference links only (drawn on demand)


def test_embedded_data_is_the_graph(demo_document: dict[str, Any]) -> None:
    html, _ = parse(demo_document)
    graph = embedded_data(html)["graph"]
    assert [n["id"] for n in graph["nodes"]] == [n["id"] for n in demo_document["graph"]["nodes"]]
    ends = [(graph["nodes"][s]["id"], graph["nodes"][t]["id"], graph["ways"][w]["class"]) for s, t, w in graph["edges"]]
    expected = [(e["source"], e["target"], e["class"]) for e in section_edges(demo_document["graph"])]
    assert sorted(ends) == sorted(expected)
    assert set(embedded_data(html)["edgeClasses"]) == {"unguarded", "guarded", "public", "internal"}


def test_every_finding_is_in_the_data_and_its_check_text_once(demo_document: dict[str, Any]) -> None:
    html, _ = parse(demo_document)
    data = embedded_data(html)
    assert [f["id"] for f in data["findings"]] != [] and \
        sorted(f["id"] for f in data["findings"]) == sorted(f["id"] for f in demo_document["findings"])
    assert f"Showing {len(demo_document['findings'])} of {len(demo_document['findings'])} findings" in html
    # details are rendered on demand, not into the page
    first = data["findings"][0]
    assert f'id="finding-{first["id"]}"' not in html and first["message"] not in html
    # a check's text and compliance mapping are said once, however many findings it has
    text = json.dumps(data, ensure_ascii=False)
    for check_id, check in data["checks"].items():
        assert sum(f["check"] == check_id for f in data["findings"]) >= 1
        assert text.count(json.dumps(check["rationale"], ensure_ascii=False)) == 1
    assert len({f["check"] for f in data["findings"]}) < len(data["findings"])


def test_roles_share_one_copy_of_an_identical_trust_policy(demo_document: dict[str, Any]) -> None:
    data = embedded_data(parse(demo_document)[0])
    documents = [data["policies"][r["policy"]] for r in data["roles"]]
    assert len(data["policies"]) == len({json.dumps(p, sort_keys=True) for p in documents}) < len(data["roles"])
    roles = {r["arn"]: r for r in data["roles"]}
    typed = [role for account in parse_document(demo_document).accounts for role in account.roles]
    assert len(typed) == len(roles)
    for role in typed:
        assert data["policies"][roles[role.arn]["policy"]] == role.trust.document


def test_hostile_strings_are_escaped_everywhere(tmp_path: Path) -> None:
    document = hostile_document(tmp_path / "org")
    html, page = parse(document)
    # the only scripts are ours, and no injected tag exists
    assert len(page.scripts) == 2 + len(vendored_scripts())
    assert not any(t == "img" for t, _ in page.tags)
    assert "<script>window.__pwned" not in html and "<img src=x" not in html
    # the data block is base64: no character in it can end the block
    data_block = page.scripts[0][1]
    assert set(data_block) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")
    # and the names survive it unchanged, for the script to write as text
    text = json.dumps(embedded_data(html), ensure_ascii=False)
    assert SCRIPT in text and IMG in text.replace('\\"', '"') and CLOSE_SCRIPT in text


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
    assert len(page.scripts) == 2 + len(vendored_scripts())
    assert embedded_data(html)["graph"]["missing"] is True


def test_suppressed_and_failed_things_are_visible(demo_document: dict[str, Any]) -> None:
    demo_document["findings"][0]["suppressed"] = "accepted in SEC-1 <b>"
    demo_document["accounts"].append({"account_id": "999999999999", "status": "failed", "error": "AccessDenied",
                                      "alias": None, "roles": []})
    demo_document["suppressions"]["expired"] = [{"index": 3, "expires": "2020-01-01", "reason": "old", "findings": 2}]
    html, page = parse(demo_document)
    finding = next(f for f in embedded_data(html)["findings"] if f["id"] == demo_document["findings"][0]["id"])
    assert finding["suppressed"] == "accepted in SEC-1 <b>"
    assert "accepted in SEC-1 <b>" not in html
    text = " ".join("".join(page.text).split())
    assert "999999999999: AccessDenied" in text
    assert "#3 expired on 2020-01-01: old — 2 findings reported again" in text


def test_an_empty_scan_renders(demo_document: dict[str, Any]) -> None:
    empty = {**demo_document, "findings": [], "graph": {"nodes": [], "edges": [], "chains": []},
             "accounts": [{**a, "roles": []} for a in demo_document["accounts"]]}
    html, _ = parse(empty)
    assert "No role could be analysed" in html and "Showing 0 of 0 findings" in html


def test_a_cut_list_of_chains_says_how_many_it_shows_of_how_many(demo_document: dict[str, Any]) -> None:
    chains = len(demo_document["graph"]["chains"])
    html, _ = parse(demo_document)
    assert f"{chains} roles reached through a chain of two or more assumptions" in html
    demo_document["graph"]["truncated"] = {"chains": 1234}
    text = " ".join(parse(demo_document)[0].split())
    assert f"The first {chains} of {chains + 1234} roles reached through a chain" in text


def _finding(data: dict[str, Any], finding_id: str) -> dict[str, Any]:
    return next(f for f in data["findings"] if f["id"] == finding_id)


def test_fixable_findings_carry_the_verified_corrected_policy(demo_document: dict[str, Any]) -> None:
    data = embedded_data(parse(demo_document)[0])
    service = next(f for f in demo_document["findings"] if f["check"] == "service-trust-without-source-condition")
    fix = data["fixes"][_finding(data, service["id"])["fix"]]
    assert "service-trust-without-source-condition" in fix["checks"]
    assert any(line.startswith("+") and "aws:SourceAccount" in line for line in fix["diff"])
    assert f"aws iam update-assume-role-policy --role-name {service['resource'].rsplit('/', 1)[-1]}" in fix["cli"]
    assert "assume_role_policy = jsonencode(" in fix["terraform"]
    privileged = next(f for f in demo_document["findings"] if f["check"] == "privileged-cross-account-role")
    entry = _finding(data, privileged["id"])
    assert "fix" not in entry and entry["noFix"].startswith("a permissions change, not a trust-policy change")
    # findings of one role that one corrected policy closes share it
    assert len(data["fixes"]) < sum("fix" in f for f in data["findings"])


def test_the_page_shows_the_fixes_it_is_given_and_plans_none_itself(demo_document: dict[str, Any]) -> None:
    document = parse_document(demo_document)
    first, second = document.findings[0], document.findings[1]
    given = CorrectedPolicy(checks=("given-check",), steps=("a step the caller planned",), warnings=(),
                            notify=("111122223333",), external_id="given-external-id",
                            diff=("--- a", "+++ b", '+  "given": true'), policy="{}", cli="aws iam given",
                            terraform="assume_role_policy = given")
    fixes = Fixes({first.id: given}, {(second.resource, second.check): "a reason the caller gave"})
    data = embedded_data(render_html(document, fixes).decode("utf-8"))
    assert data["fixes"][_finding(data, first.id)["fix"]]["steps"] == ["a step the caller planned"]
    assert _finding(data, second.id)["noFix"] == "a reason the caller gave"
    # no planner runs behind the caller's back: without fixes, no finding shows one
    bare = embedded_data(render_html(document, Fixes()).decode("utf-8"))
    assert bare["fixes"] == [] and not any("fix" in f or "noFix" in f for f in bare["findings"])


def test_a_planner_refusal_is_a_note_on_the_page(demo_document: dict[str, Any]) -> None:
    html = render_html(parse_document(demo_document), Fixes(error="PlanError: the scan holds no roles")).decode()
    assert "Corrected policies could not be computed: PlanError: the scan holds no roles" in html
    assert len(embedded_data(html)["findings"]) == len(demo_document["findings"])


def test_the_page_script_never_parses_data_as_html() -> None:
    # every string from the scan is written with textContent, a canvas label or an attribute: no API that
    # parses markup appears in the page's script at all
    script = (Path(__file__).resolve().parents[2] / "src" / "rolescope" / "report" / "static" / "report.js").read_text()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function",
                 "setAttribute(\"on", "javascript:"):
        assert sink not in script, sink


@pytest.mark.process
def test_the_graph_comes_out_the_same_whatever_the_hash_seed(demo_document: dict[str, Any], tmp_path: Path) -> None:
    # a set's order changes with PYTHONHASHSEED: the same scan must give the same graph on the page
    scan = tmp_path / "scan.json"
    scan.write_text(json.dumps(demo_document))
    program = ("import json, sys; from pathlib import Path; "
               "from tests.report.render import embedded_data, render_page; "
               "page = render_page(json.loads(Path(sys.argv[1]).read_text())).decode(); "
               "print(json.dumps(embedded_data(page)['graph']))")
    graphs = []
    for seed in ("1", "2", "3"):
        done = subprocess.run([sys.executable, "-c", program, str(scan)], capture_output=True, text=True, check=True,
                              env=under_test_env({**os.environ, "PYTHONHASHSEED": seed}), timeout=120)
        graphs.append(done.stdout)
    assert json.loads(graphs[0])["nodes"] and graphs == [graphs[0]] * 3
