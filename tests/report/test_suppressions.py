"""Suppressions: validation of the file, matching, expiry, and what the document reports."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from rolescope.checks.finding import Finding
from rolescope.checks.registry import CHECK_IDS
from rolescope.report.suppressions import SuppressionError, load_suppressions, parse_suppressions

TODAY = date(2026, 11, 23)
ROLE = "arn:aws:iam::111122223333:role/vendor/datadog-integration"
OTHER = "arn:aws:iam::444455556666:role/ci/deployer"


def finding(check: str = "trust-to-account-outside-organization", account: str = "111122223333",
            resource: str = ROLE) -> Finding:
    return Finding(check, "medium", account, resource, "message", 0)


def parse(text: str) -> list[tuple[str | None, frozenset[str], str | None, str, date | None]]:
    entries = parse_suppressions(text, "s.yaml", TODAY, CHECK_IDS).entries
    return [(e.check, e.accounts, e.resource, e.reason, e.expires) for e in entries]


def test_entry_fields_are_read() -> None:
    assert parse("""
suppressions:
  - check: trust-to-account-outside-organization
    account: "111122223333"
    resource: "arn:aws:iam::*:role/vendor/*"
    reason: "  Datadog integration,\\n approved in SEC-1432 "
    expires: 2027-03-31
  - account: ["111122223333", "444455556666"]
    reason: sandbox accounts
""") == [
        ("trust-to-account-outside-organization", frozenset({"111122223333"}), "arn:aws:iam::*:role/vendor/*",
         "Datadog integration, approved in SEC-1432", date(2027, 3, 31)),
        (None, frozenset({"111122223333", "444455556666"}), None, "sandbox accounts", None),
    ]


def test_empty_file_and_empty_list_suppress_nothing_and_say_so() -> None:
    assert parse("") == []
    assert parse("suppressions: []") == []
    assert parse("suppressions:") == []
    for text in ("", "  \n", "suppressions: []"):
        assert parse_suppressions(text, "s.yaml", TODAY, CHECK_IDS).warnings() == [
            "s.yaml: no suppressions in the file; every finding is reported"]


@pytest.mark.parametrize(("text", "message"), [
    ("suppressions: [", "not valid YAML at line 1"),
    ("- check: public-trust", "expected a mapping with one key, 'suppressions'"),
    ("suppressions: {check: public-trust}", "'suppressions' must be a list"),
    ("suppressions: [public-trust]", "suppression #1: expected a mapping"),
    ("suppressions:\n  - check: public-trust", "suppression #1: 'reason' is required"),
    ("suppressions:\n  - {check: public-trust, reason: '   '}", "'reason' is required"),
    ("suppressions:\n  - {check: public-trust, reason: 42}", "'reason' is required"),
    ("suppressions:\n  - {reason: everything}", "name at least one of check, account, resource"),
    ("suppressions:\n  - {check: publik-trust, reason: r}", "no such check 'publik-trust'"),
    ("suppressions:\n  - {check: public-trust, reason: r, expiry: 2027-01-01}", "unknown field 'expiry'"),
    ("suppressions:\n  - {check: public-trust, reason: r, expires: next week}", "'expires' must be a date"),
    ("suppressions:\n  - {check: public-trust, reason: r, expires: 2027-02-30}", "day is out of range"),
    ("suppressions:\n  - {account: '1234', reason: r}", "12-digit account id"),
    ("suppressions:\n  - {account: 012345670123, reason: r}", "12-digit account id"),
    ("suppressions:\n  - {account: [], reason: r}", "empty list"),
    ("suppressions:\n  - {resource: '', reason: r}", "'resource' must be non-empty text"),
    ("suppressions:\n  - {check: [a, b], reason: r}", "'check' must be non-empty text"),
    ("suppressions:\n  - {check: public-trust, reason: r}\n  - {check: public-trust}", "suppression #2"),
])
def test_malformed_file_is_one_clear_error(text: str, message: str) -> None:
    with pytest.raises(SuppressionError) as raised:
        parse_suppressions(text, "s.yaml", TODAY, CHECK_IDS)
    assert message in str(raised.value)
    assert str(raised.value).startswith("s.yaml: ")
    assert "\n" not in str(raised.value)


def test_unquoted_twelve_digit_account_is_accepted() -> None:
    # YAML reads it as an integer; with 12 digits nothing was lost.
    assert parse("suppressions:\n  - {account: 111122223333, reason: r}")[0][1] == frozenset({"111122223333"})


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(SuppressionError, match="no such file"):
        load_suppressions(tmp_path / "missing.yaml", TODAY)
    with pytest.raises(SuppressionError, match="is a directory"):
        load_suppressions(tmp_path, TODAY)
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(SuppressionError, match="not UTF-8"):
        load_suppressions(binary, TODAY)


def test_every_given_field_must_match() -> None:
    suppressions = parse_suppressions("""
suppressions:
  - check: trust-to-account-outside-organization
    account: "111122223333"
    resource: "arn:aws:iam::*:role/vendor/*"
    reason: vendor
""", "s.yaml", TODAY)
    marked = suppressions.apply([
        finding(),
        finding(check="public-trust"),
        finding(account="444455556666"),
        finding(resource="arn:aws:iam::111122223333:role/ci/deployer"),
    ])
    assert [f.suppressed for f in marked] == ["vendor", None, None, None]


def test_resource_glob_is_case_sensitive_and_spans_paths() -> None:
    suppressions = parse_suppressions("""
suppressions:
  - {resource: "arn:aws:iam::111122223333:role/*", reason: whole account}
  - {resource: "arn:aws:iam::444455556666:role/CI/*", reason: upper case}
""", "s.yaml", TODAY)
    marked = suppressions.apply([finding(), finding(account="444455556666", resource=OTHER)])
    assert [f.suppressed for f in marked] == ["whole account", None]


def test_first_matching_entry_gives_the_reason_and_earlier_reasons_are_kept() -> None:
    suppressions = parse_suppressions("""
suppressions:
  - {account: "111122223333", reason: first}
  - {check: trust-to-account-outside-organization, reason: second}
""", "s.yaml", TODAY)
    already = Finding("public-trust", "critical", "111122223333", ROLE, "m", suppressed="inline reason")
    assert [f.suppressed for f in suppressions.apply([finding(), already])] == ["first", "inline reason"]


def test_expired_entries_no_longer_apply_and_are_reported() -> None:
    text = """
suppressions:
  - {check: trust-to-account-outside-organization, reason: until yesterday, expires: 2026-11-22}
  - {resource: "arn:aws:iam::444455556666:*", reason: through today, expires: 2026-11-23}
"""
    suppressions = parse_suppressions(text, "s.yaml", TODAY)
    findings = suppressions.apply([finding(), finding(account="444455556666", resource=OTHER)])
    assert [f.suppressed for f in findings] == [None, "through today"]
    assert [e.index for e in suppressions.expired] == [1]
    assert suppressions.warnings() == [
        "s.yaml: suppression #1 (check trust-to-account-outside-organization) expired on 2026-11-22; "
        "the findings it covered are reported again"
    ]
    report = suppressions.report(findings).as_json()
    assert report["expired"] == [{
        "index": 1, "check": "trust-to-account-outside-organization", "accounts": [], "resource": None,
        "reason": "until yesterday", "expires": "2026-11-22", "findings": 1,
    }]
    assert [(e["index"], e["findings"]) for e in report["applied"]] == [(2, 1)]
    assert report["source"] == "s.yaml" and report["entries"] == 2 and report["today"] == "2026-11-23"
