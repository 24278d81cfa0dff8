"""The perimeter in the reports: which policies were considered, and each role's and finding's verdict."""

from __future__ import annotations

import io
from typing import Any

import orjson

from rolescope.report.document import build_document
from rolescope.report.ocsf import write_ocsf
from rolescope.report.reader import parse_document
from rolescope.report.sarif import write_sarif
from rolescope.scanner import ScanResult

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
