"""The scan document: stable unique ids, scope, the trust graph, and reading it back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.factories import ACCOUNT, OUTSIDER, allow, gaad, role, trust

from rolescope.checks.context import CheckSettings
from rolescope.inventory.files import load_snapshots
from rolescope.report.document import DocumentError, ReportScope, build_document, read_document
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


def test_scope_graph_and_defaults(demo_result: ScanResult) -> None:
    document = build_document(demo_result, scope=ReportScope(["public-trust"], ["critical"], ["862407391645"]))
    assert document["scope"] == {"checks": ["public-trust"], "severities": ["critical"],
                                 "accounts": ["862407391645"], "filtered": True}
    default = build_document(demo_result)
    assert default["scope"]["filtered"] is False and len(default["scope"]["checks"]) == 11
    assert default["scope"]["severities"] == ["critical", "high", "medium", "low", "info"]
    graph = default["graph"]
    assert graph["schema"] == "rolescope.graph/v2"
    roles = {r["arn"] for a in default["accounts"] for r in a["roles"]}
    assert roles <= {n["id"] for n in graph["nodes"]}
    assert {e["class"] for e in section_edges(graph)} == {"unguarded", "guarded", "public", "internal"}
    assert default["organization"]["account_names"]["862407391645"] == "northwind-prod"
    assert len({f["id"] for f in default["findings"]}) == len(default["findings"])


def test_read_document_round_trip(tmp_path: Path, demo_document: dict[str, Any]) -> None:
    path = tmp_path / "scan.json"
    path.write_text(json.dumps(demo_document))
    assert read_document(path) == demo_document


@pytest.mark.parametrize(("content", "message"), [
    (b"", "not JSON"),
    (b"[1]", "expected a JSON object"),
    (b'{"schema": "rolescope.graph/v1"}', "not a rolescope scan document (schema 'rolescope.graph/v1'"),
    (b'{"schema": "rolescope.scan/v1", "accounts": {}, "findings": []}', "'accounts' must be a list"),
    (b'{"schema": "rolescope.scan/v1", "accounts": [], "findings": [1]}', "findings[0] is not an object"),
    (b'{"schema": "rolescope.scan/v1", "accounts": [{}], "findings": []}', "accounts[0] has no account_id"),
    (b'{"schema": "rolescope.scan/v1", "accounts": [], "findings": [{"id": "x", "check": "c", "severity": "low",'
     b' "account_id": "1", "resource": 5}]}', "findings[0].resource is missing or not text"),
])
def test_read_document_rejects_what_is_not_a_scan(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "scan.json"
    path.write_bytes(content)
    with pytest.raises(DocumentError, match=message.replace("[", r"\[").replace("(", r"\(")) as raised:
        read_document(path)
    assert str(raised.value).startswith(str(path)) and "\n" not in str(raised.value)
    with pytest.raises(DocumentError, match="no such file"):
        read_document(tmp_path / "missing.json")
    with pytest.raises(DocumentError, match="is a directory"):
        read_document(tmp_path)


def test_the_graph_can_be_left_out(demo_result: ScanResult) -> None:
    assert build_document(demo_result, graph=False)["graph"] is None
