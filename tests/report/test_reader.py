"""Reading scan documents into the typed model: v1 files from older releases, and the one-line errors."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from rolescope.checks.catalogue import load_catalogue
from rolescope.remediate.report_fixes import fixes_for_report
from rolescope.report.compliance import compliance_reports
from rolescope.report.formats import model_writers
from rolescope.report.model import SCHEMA_V1
from rolescope.report.reader import DocumentError, read_document

# `rolescope demo --account 973518402756 --account 751396280534 --format json`, written by the last
# release that wrote rolescope.scan/v1 (compacted).
V1_FILE = Path(__file__).parent / "data" / "scan-v1-two-accounts.json"


@pytest.fixture(scope="module")
def v1() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(V1_FILE.read_text())
    return data


def test_a_v1_file_reads_into_the_model(v1: dict[str, Any]) -> None:
    document = read_document(V1_FILE)
    assert document.schema == SCHEMA_V1 and document.generated_at == v1["generated_at"]
    assert document.scope.accounts == ("751396280534", "973518402756") and document.scope.filtered
    assert [a.account_id for a in document.accounts] == [a["account_id"] for a in v1["accounts"]]
    for account, raw in zip(document.accounts, v1["accounts"], strict=True):
        assert account.role_count == len(raw["roles"]) == len(account.roles)
        for role, entry in zip(account.roles, raw["roles"], strict=True):
            assert (role.name, role.arn, role.path, role.max_session_duration, role.last_used) == (
                entry["name"], entry["arn"], entry["path"], entry["max_session_duration"], entry["last_used"])
            assert role.trust.document == entry["trust_policy"]
            assert (role.trust.cross_account, role.trust.public, list(role.trust.outside_accounts),
                    [dict(p) for p in role.trust.paths]) == (
                entry["cross_account"], entry["public"], entry["outside_accounts"], entry["paths"])
    assert document.summary.roles == v1["summary"]["roles"] and document.graph == v1["graph"]


def test_v1_findings_keep_their_ids_and_their_text_moves_to_the_checks_table(v1: dict[str, Any]) -> None:
    document = read_document(V1_FILE)
    assert len(document.findings) == len(v1["findings"]) > 20
    for finding, raw in zip(document.findings, v1["findings"], strict=True):
        assert (finding.id, finding.check, finding.severity, finding.resource, finding.message) == (
            raw["id"], raw["check"], raw["severity"], raw["resource"], raw["message"])
        check = document.check(finding.check)
        assert check.title == raw["title"]
        assert check.compliance_by_framework() == raw["compliance"]
        assert check.remediation.text == raw["remediation"]["text"]
        assert check.remediation.terraform == raw["remediation"]["terraform"]
        # v1 filled the role's name into each command; the table keeps the form with placeholders
        assert document.remediation_cli(finding) == raw["remediation"]["cli"]
        assert document.evidence(finding) == raw["evidence"]
    # what v1 never wrote comes from the catalogue
    catalogue = load_catalogue()
    assert {key: c.rationale for key, c in document.checks.items()} == {
        key: c.rationale for key, c in catalogue.checks.items()}


@pytest.mark.parametrize(("content", "message"), [
    (b"", "not JSON"),
    (b"[1]", "not a rolescope scan document (a JSON array, expected an object"),
    (b'"rolescope.scan/v2"', "not a rolescope scan document (a JSON string"),
    (b'{"schema": "rolescope.graph/v1"}', "not a rolescope scan document (schema 'rolescope.graph/v1'"),
    (b'{"schema": "rolescope.scan/v1", "accounts": {}, "findings": []}', "'accounts' must be a list"),
    (b'{"schema": "rolescope.scan/v1", "accounts": [], "findings": [1]}', "findings[0] is not an object"),
    (b'{"schema": "rolescope.scan/v1", "accounts": [{}], "findings": []}', "accounts[0] has no account_id"),
    (b'{"schema": "rolescope.scan/v1", "accounts": [], "findings": [{"id": "x", "check": "c", "severity": "low",'
     b' "account_id": "1", "resource": 5}]}', "findings[0].resource is missing or not text"),
    (b'{"schema": "rolescope.scan/v1", "accounts": [{"account_id": "1", "roles": [{"name": "a"}]}], "findings": []}',
     "accounts[0].roles[0].arn is missing or not text"),
    (b'{"schema": "rolescope.scan/v2", "accounts": [{"account_id": "1", "trusts": [], "roles": [{"name": "a",'
     b' "arn": "arn:aws:iam::1:role/a", "trust": 0}]}], "findings": []}',
     "accounts[0].roles[0].trust does not refer to an entry of accounts[0].trusts"),
    (b'{"schema": "rolescope.scan/v2", "accounts": [], "findings": [], "checks": {"x": {"title": 1}}}',
     "checks.x.title is missing or not text"),
    (b'{"schema": "rolescope.scan/v2", "accounts": [], "findings": [], "checks": {"x": {"title": "t", "severity":'
     b' "low", "compliance": {"SOC2": [{"id": 1}]}}}}', "checks.x.compliance.SOC2 is not a list of text"),
])
def test_what_is_not_a_scan_document_is_one_line(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "scan.json"
    path.write_bytes(content)
    with pytest.raises(DocumentError, match=message.replace("[", r"\[").replace("(", r"\(")) as raised:
        read_document(path)
    assert str(raised.value).startswith(str(path)) and "\n" not in str(raised.value)
    with pytest.raises(DocumentError, match="no such file"):
        read_document(tmp_path / "missing.json")
    with pytest.raises(DocumentError, match="is a directory"):
        read_document(tmp_path)


def test_every_report_format_renders_a_v1_file(v1: dict[str, Any]) -> None:
    document = read_document(V1_FILE)
    writers = model_writers(fixes_for_report)
    for name, write in writers.items():
        stream = io.BytesIO()
        write(document, stream)
        assert stream.getvalue(), name
    csv_rows = io.BytesIO()
    writers["csv"](document, csv_rows)
    assert [row.split(",", 1)[0] for row in csv_rows.getvalue().decode().splitlines()[1:]] == [
        f["id"] for f in v1["findings"]]
    assert [r.as_json() for r in compliance_reports(document)]
