"""The report entries' shortcuts agree with the general paths they stand in for.

:func:`encoded_account_piece` writes an account's JSON straight from its roles (each trust entry
reusing its document's JSON, each date left to orjson); it must give the bytes that
:func:`encode_account` makes of :func:`account_piece`'s JSON entry, and the same typed entry. A
finding's own evidence is its evidence copied whole, less what its role holds: the same keys, in the
same order, as leaving those out one by one.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rolescope.checks.finding import Finding
from rolescope.report.entries import (
    ROLE_EVIDENCE,
    _own_evidence,
    _raw_date,
    account_piece,
    encoded_account_piece,
    report_findings,
)
from rolescope.report.writer import encode_account
from rolescope.scanner import AccountResult, ScanResult


def _with_dates(account: AccountResult, dates: list[datetime | None]) -> AccountResult:
    roles = [dataclasses.replace(r, role=dataclasses.replace(r.role, last_used=dates[i % len(dates)]))
             for i, r in enumerate(account.roles)]
    return dataclasses.replace(account, roles=roles)


DATES: list[datetime | None] = [
    None, datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC), datetime(2026, 3, 4, 5, 6, 7, 890, tzinfo=UTC),
    datetime(2026, 3, 4, 5, 6, 7), datetime(2026, 3, 4, 5, 6, 7, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    datetime(2026, 3, 4, 5, 6, 7, tzinfo=timezone(timedelta(hours=-1, seconds=15))),
]


@pytest.mark.parametrize("scan", ["demo_result", "perimeter_demo_result"])
@pytest.mark.parametrize("kept", [False, True])
def test_encoded_piece_is_the_encoded_json_entry(scan: str, kept: bool, request: pytest.FixtureRequest) -> None:
    result: ScanResult = request.getfixturevalue(scan)
    for account in result.accounts:
        for each in (account, _with_dates(account, DATES)):
            typed, encoded = encoded_account_piece(each, lambda _: kept)
            general_typed, entry = account_piece(each, lambda _: kept)
            assert typed == general_typed
            assert encoded == encode_account(entry)


def test_a_failed_account_is_encoded_as_the_general_path_does() -> None:
    failed = AccountResult("123456789012", "failed", error="unreadable", source="x.json")
    general = encode_account(account_piece(failed, lambda _: False)[1])
    assert encoded_account_piece(failed, lambda _: False)[1] == general


@given(st.datetimes(timezones=st.sampled_from([None, UTC])))
def test_orjson_writes_a_raw_date_as_isoformat_does(moment: datetime) -> None:
    assert orjson.dumps(_raw_date(moment)) == orjson.dumps(moment.isoformat())


class _Moment(datetime):
    def isoformat(self, sep: str = "T", timespec: str = "auto") -> str:
        return "a subclass's own text"


def test_a_datetime_subclass_is_written_as_its_isoformat() -> None:
    moment = _Moment(2026, 3, 4, tzinfo=UTC)
    assert orjson.dumps(_raw_date(moment)) == b'"a subclass\'s own text"'


@given(st.datetimes(timezones=st.timezones()))
def test_any_date_is_written_as_isoformat_does(moment: datetime) -> None:
    assert orjson.dumps(_raw_date(moment)) == orjson.dumps(moment.isoformat())


KEYS = st.sampled_from(["paths", "statement", "statement_document", "principal", "service", "grants"])


@given(st.dictionaries(KEYS, st.one_of(st.none(), st.integers(0, 3), st.text(max_size=3))),
       st.one_of(st.none(), st.integers(0, 3)))
def test_own_evidence_leaves_out_what_the_role_holds_keeping_the_order(evidence: dict[str, object],
                                                                        statement: int | None) -> None:
    finding = Finding("check", "high", "111111111111", "arn", "message", statement, evidence)
    expected = {k: v for k, v in evidence.items()
                if k not in ROLE_EVIDENCE and not (k == "statement" and v == statement)}
    own = _own_evidence(finding)
    assert list(own.items()) == list(expected.items())


@pytest.mark.parametrize("key", sorted(ROLE_EVIDENCE))
def test_own_evidence_looks_for_every_key_the_role_holds(key: str) -> None:
    # _own_evidence tests the keys one by one (not through ROLE_EVIDENCE): a key added there must be added there too
    finding = Finding("check", "high", "111111111111", "arn", "message", None, {key: 1, "kept": 2})
    assert _own_evidence(finding) == {"kept": 2}


@pytest.mark.parametrize("evidence", [False, True])
def test_findings_kept_without_their_text_are_encoded_with_it(demo_result: ScanResult, evidence: bool) -> None:
    findings = demo_result.findings
    # two findings sharing a fingerprint get ids told apart by their messages
    findings = [*findings, dataclasses.replace(findings[0], message="another message")]
    entries, encoded = report_findings(findings, encode=True, evidence=evidence)
    lean, lean_encoded = report_findings(findings, encode=True, evidence=evidence, text=False)
    assert lean_encoded == encoded
    assert lean == [dataclasses.replace(e, id="", message="") for e in entries]
