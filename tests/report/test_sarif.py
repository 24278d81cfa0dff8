"""SARIF: valid against the official 2.1.0 schema, one rule per check, results at the role ARN."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from tests.report.hostile import SCRIPT_ROLE, hostile_document
from tests.report.render import render

from rolescope.checks.catalogue import load_catalogue
from rolescope.report.document import build_document
from rolescope.report.sarif import FINGERPRINT, rule_name, write_sarif
from rolescope.scanner import ScanResult

SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"


@cache
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA.read_text())
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


def render_sarif(document: dict[str, Any]) -> bytes:
    return render(write_sarif, document)


def build_sarif(document: dict[str, Any]) -> dict[str, Any]:
    log: dict[str, Any] = json.loads(render_sarif(document))
    return log


def errors(log: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator().iter_errors(log)]


def test_demo_log_is_valid_sarif(demo_document: dict[str, Any]) -> None:
    log = json.loads(render_sarif(demo_document))
    assert errors(log) == []
    assert log["version"] == "2.1.0"
    assert len(log["runs"][0]["results"]) == len(demo_document["findings"]) > 0


def test_the_validator_rejects_what_the_schema_forbids(demo_document: dict[str, Any]) -> None:
    log = build_sarif(demo_document)
    broken = copy.deepcopy(log)
    broken["runs"][0]["results"][0]["level"] = "critical"
    assert any("critical" in e for e in errors(broken))
    broken = copy.deepcopy(log)
    del broken["runs"][0]["tool"]["driver"]["name"]
    assert errors(broken)
    broken = copy.deepcopy(log)
    broken["runs"][0]["results"][0]["suppressions"] = [{"kind": "muted"}]
    assert errors(broken)


def test_one_rule_per_check_with_help_and_severity() -> None:
    catalogue = load_catalogue()
    empty = {**build_document(ScanResult([], [], [])), "findings": [], "accounts": []}
    rules = build_sarif(empty)["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(catalogue.checks)
    for rule in rules:
        info = catalogue.checks[rule["id"]]
        assert rule["shortDescription"]["text"] == info.title
        assert rule["fullDescription"]["text"] == info.rationale
        assert info.risk in rule["help"]["text"] and info.risk in rule["help"]["markdown"]
        assert rule["helpUri"] == info.references[0]
        assert rule["defaultConfiguration"]["level"] == {"critical": "error", "high": "error", "medium": "warning",
                                                         "low": "note"}[info.severity]
        score = float(rule["properties"]["security-severity"])
        assert {"critical": score >= 9.0, "high": 7.0 <= score < 9.0, "medium": 4.0 <= score < 7.0,
                "low": 0.1 <= score < 4.0}[info.severity]
        assert "security" in rule["properties"]["tags"]
        assert {f"{r.framework}/{r.id}" for r in info.compliance} <= set(rule["properties"]["tags"])
    assert rule_name("cross-account-without-mfa-or-external-id") == "CrossAccountWithoutMfaOrExternalId"


def test_results_point_at_the_role_and_its_rule(demo_document: dict[str, Any]) -> None:
    run = build_sarif(demo_document)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    for finding, result in zip(demo_document["findings"], run["results"], strict=True):
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == finding["check"]
        location = result["locations"][0]
        assert location["physicalLocation"]["artifactLocation"]["uri"] == finding["resource"]
        assert location["logicalLocations"][0]["fullyQualifiedName"] == finding["resource"]
        assert location["logicalLocations"][0]["name"] == finding["resource"].rsplit("/", 1)[-1]
        assert result["partialFingerprints"][FINGERPRINT] == finding["id"]
        assert result["message"]["text"] == finding["message"]
        assert result["properties"]["account_id"] == finding["account_id"]
        assert "suppressions" not in result
    assert len({r["partialFingerprints"][FINGERPRINT] for r in run["results"]}) == len(run["results"])
    assert run["invocations"][0]["executionSuccessful"] is True


def test_suppressed_findings_are_results_with_a_suppression(demo_document: dict[str, Any]) -> None:
    demo_document["findings"][0]["suppressed"] = "accepted in SEC-1"
    demo_document["suppressions"]["expired"] = [{"index": 2, "expires": "2020-01-01", "reason": "old"}]
    log = build_sarif(demo_document)
    assert errors(log) == []
    result = log["runs"][0]["results"][0]
    assert result["suppressions"] == [{"kind": "external", "status": "accepted", "justification": "accepted in SEC-1"}]
    notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert notes == [{"level": "warning", "message": {"text": "suppression #2 expired on 2020-01-01: old"}}]


def test_failed_accounts_and_check_errors_are_notifications(demo_document: dict[str, Any]) -> None:
    demo_document["accounts"].append({"account_id": "999999999999", "status": "failed", "error": "AccessDenied",
                                      "roles": []})
    demo_document["errors"] = [{"check": "trust-policy", "account_id": "999999999999", "resource": "arn:x",
                                "error": "unreadable trust policy"}]
    log = build_sarif(demo_document)
    assert errors(log) == []
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert [n["message"]["text"] for n in invocation["toolExecutionNotifications"]] == [
        "account 999999999999 was not scanned: AccessDenied",
        "trust-policy on arn:x: unreadable trust policy",
    ]


def test_hostile_names_are_data(tmp_path: Path) -> None:
    document = hostile_document(tmp_path / "org")
    log = json.loads(render_sarif(document))
    assert errors(log) == []
    results = log["runs"][0]["results"]
    assert SCRIPT_ROLE in {r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] for r in results}
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert not any(c in uri for uri in uris for c in '<> "')
    assert "arn:aws:iam::111122223333:role/%3Cscript%3Ewindow.__pwned%20=%20%27script%27%3B%20alert%281%29" \
           "%3C/script%3E" in uris


@pytest.mark.parametrize("severity", ["critical", "high", "medium", "low", "info"])
def test_every_severity_maps_to_a_valid_level(demo_document: dict[str, Any], severity: str) -> None:
    demo_document["findings"][0]["severity"] = severity
    log = build_sarif(demo_document)
    assert errors(log) == []
    assert log["runs"][0]["results"][0]["level"] in {"error", "warning", "note"}
