"""The scan document (rolescope.scan/v2): stable unique ids, scope, what is written once, the graph, reading back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.factories import ACCOUNT, OUTSIDER, allow, gaad, role, trust

from rolescope.checks.catalogue import load_catalogue
from rolescope.checks.context import CheckSettings
from rolescope.inventory.files import load_snapshots
from rolescope.report.document import build_document, scan_document
from rolescope.report.entries import scan_scope
from rolescope.report.reader import read_document
from rolescope.scanner import ScanResult, scan_snapshots
from rolescope.trust.graph_json import section_edges


def scan(tmp_path: Path, *roles: dict[str, Any]) -> ScanResult:
    (tmp_path / f"{ACCOUNT}.json").write_text(json.dumps(gaad(*roles)))
    snapshots, failures, _ = load_snapshots([tmp_path])
    assert not failures
    return scan_snapshots(snapshots, CheckSettings())


def test_two_findings_of_one_check_on_one_statement_get_different_stable_ids(tmp_path: Path) -> None:
    weak = trust(allow({"AWS": OUTSIDER}, condition={"StringEquals": {"sts:ExternalId": ["123", "abc"]}}))
    result = scan(tmp_path, role("vendor", weak))
    first = [f["id"] for f in build_document(result)["findings"] if f["check"] == "weak-external-id"]
    assert len(first) == 2 and len(set(first)) == 2
    again = [f["id"] for f in build_document(scan(tmp_path, role("vendor", weak)))["findings"]
             if f["check"] == "weak-external-id"]
    assert sorted(again) == sorted(first)


def test_ids_do_not_depend_on_other_findings(tmp_path: Path) -> None:
    open_role = role("open", trust(allow({"AWS": OUTSIDER})))
    alone = {f["check"]: f["id"] for f in build_document(scan(tmp_path, open_role))["findings"]}
    with_more = build_document(scan(tmp_path, open_role, role("public", trust(allow("*")))))
    assert {f["check"]: f["id"] for f in with_more["findings"] if f["resource"].endswith("/open")} == alone


def test_ids_are_those_v1_gave(demo_document: dict[str, Any]) -> None:
    v1 = json.loads((Path(__file__).parent / "data" / "scan-v1-two-accounts.json").read_text())
    assert {f["id"] for f in v1["findings"]} <= {f["id"] for f in demo_document["findings"]}


def test_scope_graph_and_defaults(demo_result: ScanResult) -> None:
    document = build_document(demo_result, scope=scan_scope(["public-trust"], ["critical"], ["862407391645"]))
    assert document["scope"] == {"checks": ["public-trust"], "severities": ["critical"],
                                 "accounts": ["862407391645"], "filtered": True}
    default = build_document(demo_result)
    assert default["schema"] == "rolescope.scan/v2"
    assert default["scope"]["filtered"] is False and len(default["scope"]["checks"]) == 12
    assert default["scope"]["severities"] == ["critical", "high", "medium", "low", "info"]
    graph = default["graph"]
    assert graph["schema"] == "rolescope.graph/v2"
    roles = {r["arn"] for a in default["accounts"] for r in a["roles"]}
    assert roles <= {n["id"] for n in graph["nodes"]}
    assert {e["class"] for e in section_edges(graph)} == {"unguarded", "guarded", "public", "internal"}
    assert default["organization"]["account_names"]["862407391645"] == "northwind-prod"
    assert len({f["id"] for f in default["findings"]}) == len(default["findings"])
    # what only the end of a scan knows comes after the accounts
    keys = list(default)
    assert keys.index("checks") < keys.index("accounts") < keys.index("summary") < keys.index("findings")


def test_check_text_is_written_once_and_findings_keep_what_is_theirs(demo_document: dict[str, Any]) -> None:
    catalogue = load_catalogue()
    assert list(demo_document["checks"]) == list(catalogue.checks)
    for key, entry in demo_document["checks"].items():
        info = catalogue.checks[key]
        assert (entry["title"], entry["severity"], entry["rationale"]) == (info.title, info.severity, info.rationale)
        assert entry["compliance"] == {framework: [r["id"] for r in items]
                                       for framework, items in info.compliance_by_framework().items()}
        for requirement in info.compliance:  # titles once, in the frameworks table
            assert demo_document["frameworks"][requirement.framework]["requirements"][requirement.id] == \
                requirement.title
        assert entry["remediation"]["cli"] == info.remediation["cli"]  # placeholders left for renderers
    for finding in demo_document["findings"]:
        assert set(finding) - {"severity_override"} == {"id", "check", "severity", "account_id", "resource",
                                                        "message", "statement", "evidence", "suppressed"}
        override = finding.get("severity_override")
        assert override is None or (override["default"] == demo_document["checks"][finding["check"]]["severity"]
                                    != finding["severity"] and override["reason"])
        assert not {"paths", "statement_document", "statement"} & set(finding["evidence"])


def test_roles_share_trust_entries_and_evidence_is_whole_again(tmp_path: Path) -> None:
    vendor = trust(allow({"AWS": OUTSIDER}))
    result = scan(tmp_path, role("a", vendor), role("b", vendor), role("c", trust(allow("*"))))
    document = build_document(result)
    [account] = document["accounts"]
    assert [r["trust"] for r in account["roles"]] == [0, 0, 1]
    assert [t["document"] for t in account["trusts"]] == [vendor, trust(allow("*"))]
    assert account["trusts"][0]["cross_account"] is True and account["trusts"][0]["paths"]
    # a reader gets every finding's evidence as the check made it, the role's paths and statement included
    typed = scan_document(result)
    made = {(f.resource, f.check, f.message): f.evidence for f in result.findings}
    assert len(typed.findings) == len(made)
    for finding in typed.findings:
        assert typed.evidence(finding) == made[finding.resource, finding.check, finding.message]


def test_read_document_round_trip(tmp_path: Path, demo_result: ScanResult, demo_document: dict[str, Any]) -> None:
    path = tmp_path / "scan.json"
    path.write_text(json.dumps(demo_document))
    assert read_document(path) == scan_document(demo_result)


def test_the_graph_can_be_left_out(demo_result: ScanResult) -> None:
    assert build_document(demo_result, graph=False)["graph"] is None
