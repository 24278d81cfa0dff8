"""Sending to Security Hub, against a recording Security Hub: batches, failures, updates and archiving."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import pytest
from tests.report.test_asff import batch_import_errors

from rolescope.report.reader import parse_document
from rolescope.report.security_hub import BatchFailure, HubTarget, send_findings

ACCOUNT = "973518402756"  # the sample organisation's account with the most findings
NOW = "2030-01-01T00:00:00.000Z"


class RecordingHub:
    """A Security Hub that keeps what it is sent, refuses the ids it is told to, and can fail whole calls."""

    def __init__(self, refuse: frozenset[str] = frozenset(), fail_calls: frozenset[int] = frozenset()) -> None:
        self.stored: dict[str, dict[str, Any]] = {}
        self.batches: list[list[dict[str, Any]]] = []
        self.refuse = refuse
        self.fail_calls = fail_calls

    def batch_import_findings(self, **kwargs: Any) -> Mapping[str, Any]:
        batch = kwargs["Findings"]
        self.batches.append(batch)
        assert len(batch) <= 100 and batch_import_errors(batch) == ""
        if len(self.batches) - 1 in self.fail_calls:
            raise BatchFailure("ThrottlingException", "Rate exceeded")
        failed = [{"Id": f["Id"], "ErrorCode": "InvalidInput", "ErrorMessage": "no"} for f in batch
                  if f["Id"] in self.refuse]
        for finding in batch:
            if finding["Id"] not in self.refuse:
                self.stored[finding["Id"]] = finding
        return {"FailedCount": len(failed), "SuccessCount": len(batch) - len(failed), "FailedFindings": failed}

    def get_findings(self, **kwargs: Any) -> Mapping[str, Any]:
        # pages of two, to show the sender follows NextToken; the filters are ignored, as moto does
        everything = list(self.stored.values())
        start = int(kwargs.get("NextToken", "0"))
        page: dict[str, Any] = {"Findings": copy.deepcopy(everything[start:start + 2])}
        if start + 2 < len(everything):
            page["NextToken"] = str(start + 2)
        return page

    def active(self) -> set[str]:
        return {key for key, finding in self.stored.items() if finding["RecordState"] == "ACTIVE"}


def account_ids(document: dict[str, Any], account: str = ACCOUNT) -> set[str]:
    return {"rolescope/" + f["id"] for f in document["findings"] if f["account_id"] == account}


def test_only_the_calling_accounts_findings_are_sent(demo_document: dict[str, Any]) -> None:
    hub = RecordingHub()
    report = send_findings(hub, parse_document(demo_document), HubTarget(ACCOUNT, "eu-west-1"), NOW)
    assert hub.active() == account_ids(demo_document) and report.imported == len(account_ids(demo_document)) > 0
    assert {f["ProductArn"] for f in hub.stored.values()} == {
        f"arn:aws:securityhub:eu-west-1:{ACCOUNT}:product/{ACCOUNT}/default"}
    assert len(report.other_accounts) == 5 and ACCOUNT not in report.other_accounts
    assert (report.archived, report.failed) == (0, ())


def test_findings_go_in_batches_of_a_hundred(demo_document: dict[str, Any]) -> None:
    template = next(f for f in demo_document["findings"] if f["account_id"] == ACCOUNT)
    demo_document["findings"] = [{**template, "id": f"{template['id']}-{n}"} for n in range(250)]
    hub = RecordingHub()
    report = send_findings(hub, parse_document(demo_document), HubTarget(ACCOUNT, "eu-west-1"), NOW)
    assert [len(batch) for batch in hub.batches] == [100, 100, 50] and report.imported == 250


def test_refused_findings_and_failed_calls_are_reported(demo_document: dict[str, Any]) -> None:
    template = next(f for f in demo_document["findings"] if f["account_id"] == ACCOUNT)
    demo_document["findings"] = [{**template, "id": f"{template['id']}-{n}"} for n in range(150)]
    refused = f"rolescope/{template['id']}-3"
    hub = RecordingHub(refuse=frozenset({refused}), fail_calls=frozenset({1}))
    report = send_findings(hub, parse_document(demo_document), HubTarget(ACCOUNT, "eu-west-1"), NOW)
    assert report.imported == 99
    assert report.failed[0].id == refused and report.failed[0].code == "InvalidInput"
    assert [f.code for f in report.failed[1:]] == ["ThrottlingException"] * 50


def test_a_second_scan_updates_keeps_first_seen_and_archives_what_is_gone(demo_document: dict[str, Any]) -> None:
    hub = RecordingHub()
    target = HubTarget(ACCOUNT, "eu-west-1")
    send_findings(hub, parse_document(demo_document), target, NOW)
    first_created = {key: f["CreatedAt"] for key, f in hub.stored.items()}
    fixed = next(f for f in demo_document["findings"] if f["account_id"] == ACCOUNT)
    later = {**demo_document, "generated_at": "2031-01-01T00:00:00+00:00",
             "findings": [f for f in demo_document["findings"] if f is not fixed]}
    report = send_findings(hub, parse_document(later), target, "2031-01-01T00:00:01.000Z")
    assert (report.imported, report.archived) == (len(account_ids(demo_document)) - 1, 1)
    gone = hub.stored["rolescope/" + fixed["id"]]
    assert gone["RecordState"] == "ARCHIVED" and gone["UpdatedAt"] == "2031-01-01T00:00:01.000Z"
    assert hub.active() == account_ids(demo_document) - {"rolescope/" + fixed["id"]}
    assert {key: f["CreatedAt"] for key, f in hub.stored.items()} == first_created  # updated, not new
    assert {f["UpdatedAt"] for key, f in hub.stored.items() if key in hub.active()} == {"2031-01-01T00:00:00.000Z"}


@pytest.mark.parametrize("narrowed", ["nothing", "checks", "severities", "accounts", "failed"])
def test_findings_the_scan_did_not_look_for_are_not_archived(demo_document: dict[str, Any], narrowed: str) -> None:
    hub = RecordingHub()
    target = HubTarget(ACCOUNT, "eu-west-1")
    send_findings(hub, parse_document(demo_document), target, NOW)
    sent = {(f["ProductFields"]["rolescope/check"], f["ProductFields"]["rolescope/severity"])
            for f in hub.stored.values()}
    later = copy.deepcopy(demo_document)
    later["findings"] = [f for f in later["findings"] if f["account_id"] != ACCOUNT]  # all of them gone...
    if narrowed == "checks":  # ...but the scan ran only checks that had found nothing there
        later["scope"]["checks"] = [c for c in later["scope"]["checks"] if c not in {check for check, _ in sent}]
    elif narrowed == "severities":
        later["scope"]["severities"] = [s for s in later["scope"]["severities"] if s not in {s for _, s in sent}]
    elif narrowed == "accounts":
        later["scope"]["accounts"] = [a["account_id"] for a in later["accounts"] if a["account_id"] != ACCOUNT]
    elif narrowed == "failed":
        account = next(a for a in later["accounts"] if a["account_id"] == ACCOUNT)
        account.update(status="failed", error="AccessDenied", roles=[], trusts=[])
    report = send_findings(hub, parse_document(later), target, NOW)
    if narrowed == "nothing":
        assert report.archived == len(account_ids(demo_document)) and hub.active() == set()
    else:
        assert report.archived == 0 and hub.active() == account_ids(demo_document)
