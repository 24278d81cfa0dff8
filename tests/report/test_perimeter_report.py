"""The perimeter in the reports: which policies were considered, and each role's and finding's verdict."""

from __future__ import annotations

import io
from dataclasses import replace
from typing import Any

import orjson
from rich.console import Console
from tests.perimeter_org import PROD, SANDBOX_OU, organization
from tests.report.hostile import SCRIPT as HOSTILE
from tests.report.render import embedded_data, render_page

from rolescope.checks.context import CheckSettings
from rolescope.report.console import render_console
from rolescope.report.document import build_document
from rolescope.report.ocsf import write_ocsf
from rolescope.report.reader import parse_document
from rolescope.report.sarif import write_sarif
from rolescope.scanner import ScanResult, scan_snapshots

GAP = "rcp-perimeter-gap"


def test_the_json_document_names_the_policies_and_each_roles_verdict(perimeter_demo_result: ScanResult) -> None:
    document = build_document(perimeter_demo_result)
    policies = {p["name"]: p for p in document["organization"]["policies"]}
    assert policies["northwind-sts-perimeter"] == {"id": "p-7k2m9x4q1w", "name": "northwind-sts-perimeter",
                                                   "type": "RESOURCE_CONTROL_POLICY", "targets": ["r-n0rw"]}
    roles = {r["name"]: r for a in document["accounts"] if a["account_id"] == "973518402756" for r in a["roles"]}
    assert roles["tessellate-contractor-access"]["perimeter"]["status"] == "closes"
    typed = parse_document(document, "demo.json")
    assert typed.organization is not None
    assert {p.name for p in typed.organization.policies} >= {"northwind-sts-perimeter"}
    role = next(r for a in typed.accounts for r in a.roles if r.name == "tessellate-contractor-access")
    assert role.perimeter is not None and role.perimeter["status"] == "closes"
    assert typed.organization.as_json() == document["organization"]


def test_sarif_and_ocsf_carry_the_perimeter_of_each_finding(perimeter_demo_result: ScanResult) -> None:
    document = parse_document(build_document(perimeter_demo_result), "demo.json")
    sarif = io.BytesIO()
    write_sarif(document, sarif)
    run: dict[str, Any] = orjson.loads(sarif.getvalue())["runs"][0]
    gap = next(r for r in run["results"] if r["ruleId"] == GAP)
    assert gap["properties"]["perimeter"]["status"] == "exempt"
    assert {p["id"] for p in run["properties"]["organization"]["policies"]} >= {"p-7k2m9x4q1w"}
    ocsf = io.BytesIO()
    write_ocsf(document, ocsf)
    events = [orjson.loads(line) for line in ocsf.getvalue().splitlines()]
    event = next(e for e in events if e["metadata"]["event_code"] == GAP)
    assert event["resources"][0]["data"]["metadata"]["evidence"]["perimeter"]["status"] == "exempt"


CONTRACTOR = "arn:aws:iam::973518402756:role/external/tessellate-contractor-access"
QA_LOADER = "arn:aws:iam::973518402756:role/qa-fixture-loader"
RCP_STATEMENT = ("RCP northwind-sts-perimeter (p-7k2m9x4q1w) attached to root r-n0rw, "
                 "Statement[0] (EnforceOrgIdentities)")


def test_the_page_data_carries_each_roles_and_findings_verdict_with_its_statement(
        perimeter_demo_result: ScanResult) -> None:
    data = embedded_data(render_page(build_document(perimeter_demo_result)).decode())
    roles = {r["arn"]: r for r in data["roles"]}
    closed = data["perimeters"][roles[CONTRACTOR]["perimeter"]]
    assert closed["status"] == "closes" and closed["words"].startswith("Closed by the data perimeter")
    assert [s["label"] for s in closed["statements"]] == [RCP_STATEMENT]
    assert closed["statements"][0]["document"]["Sid"] == "EnforceOrgIdentities"
    by_exception = data["perimeters"][roles[QA_LOADER]["perimeter"]]
    assert by_exception["status"] == "open-by-exception" and by_exception["words"].startswith("Open by exception")
    assert [s["label"] for s in by_exception["statements"]] == [RCP_STATEMENT]
    # a finding says its role's verdict; one about an exempt role (the gap) says why it is exempt
    qa_findings = [f for f in data["findings"] if f["resource"] == QA_LOADER]
    assert qa_findings and all(data["perimeters"][f["perimeter"]] == by_exception for f in qa_findings)
    gap = data["perimeters"][next(f for f in data["findings"] if f["check"] == GAP)["perimeter"]]
    assert gap["status"] == "exempt" and gap["words"].startswith("Exempt from the data perimeter: RCPs do not apply")
    assert "(" in gap["words"] and gap["statements"]  # the reason, and the RCP Deny that leaves it out


def test_the_graph_marks_the_ways_in_that_only_an_rcp_exception_opens(perimeter_demo_result: ScanResult) -> None:
    data = embedded_data(render_page(build_document(perimeter_demo_result)).decode())
    graph = data["graph"]
    into_qa = [graph["ways"][w] for _, t, w in graph["edges"] if graph["nodes"][t]["id"] == QA_LOADER]
    assert into_qa and any(w.get("rcpException") == "RCP northwind-sts-perimeter (p-7k2m9x4q1w), Statement[0]"
                           for w in into_qa)
    # the closed role keeps no outside edge at all
    assert not any(graph["nodes"][t]["id"] == CONTRACTOR and w.get("rcpException") for _, t, w in graph["edges"])


def test_the_page_lists_the_policies_considered(perimeter_demo_result: ScanResult,
                                                demo_document: dict[str, Any]) -> None:
    html = render_page(build_document(perimeter_demo_result)).decode()
    section = " ".join(html[html.index('<section id="perimeter">'):html.index("</section>", html.index(
        '<section id="perimeter">'))].split())
    assert ("<tr><td>RCP</td><td class=\"mono\">p-7k2m9x4q1w</td><td>northwind-sts-perimeter</td>"
            "<td>root r-n0rw</td></tr>") in section
    assert "<td>SCP</td><td class=\"mono\">p-3h8d5v0n6z</td><td>northwind-no-assume-outside-org</td>" in section
    assert "account 973518402756 (northwind-staging)" in section  # FullAWSAccess, attached everywhere
    assert 'data-edge-class="rcp-exception"' in html
    # a scan without the organisation's policies says so, and has no legend entry for exceptions
    plain = render_page(demo_document).decode()
    assert "No organisation policies in this scan" in plain and 'data-edge-class="rcp-exception"' not in plain


def test_the_console_sums_up_the_perimeter_only_when_there_is_one(perimeter_demo_result: ScanResult,
                                                                  demo_document: dict[str, Any]) -> None:
    def console(document: dict[str, Any]) -> str:
        out = io.StringIO()
        render_console(parse_document(document), Console(file=out, width=200))
        return out.getvalue()

    assert ("data perimeter: 2 RCPs, 2 SCPs; roles: 1 closed, 5 open by exception, 34 enforced, 5 exempt\n"
            in console(build_document(perimeter_demo_result)))
    assert "data perimeter" not in console(demo_document)


def test_a_hostile_policy_name_reaches_the_page_as_data_only(perimeter_demo_result: ScanResult) -> None:
    document = build_document(perimeter_demo_result)
    document["organization"]["policies"][0]["name"] = HOSTILE
    html = render_page(document).decode()
    assert HOSTILE not in html and "&lt;script&gt;window.__pwned" in html


def test_the_document_names_the_levels_without_scps_and_reads_them_back() -> None:
    base = organization()
    detached = tuple(replace(p, targets=tuple(t for t in p.targets if t not in (SANDBOX_OU, PROD)))
                     if p.name == "FullAWSAccess" else p for p in base.policies)
    document = build_document(scan_snapshots([], CheckSettings(organization=replace(base, policies=detached)),
                                             checks=()))
    # the management account is never governed by SCPs, so it is never listed
    assert document["organization"]["levels_without_scps"] == [SANDBOX_OU, PROD]
    typed = parse_document(document, "scan.json")
    assert typed.organization is not None and typed.organization.levels_without_scps == (SANDBOX_OU, PROD)
    assert typed.organization.as_json() == document["organization"]
    full = build_document(scan_snapshots([], CheckSettings(organization=base), checks=()))
    assert "levels_without_scps" not in full["organization"]
