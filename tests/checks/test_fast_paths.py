"""The checks' shortcuts agree with the general paths they stand in for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from rolescope.checks.context import CheckSettings, RoleContext, filled_paths
from rolescope.checks.finding import Finding, SeverityOverride
from rolescope.checks.permissions import _as_list, _grants_admin
from rolescope.checks.registry import CHECK_IDS
from rolescope.checks.unused_cross_account_role import _cutoff
from rolescope.policy.parse import parse_policy
from rolescope.trust.analysis import analyse_trust
from rolescope.trust.witness import Zone

_TEXT = st.sampled_from(["*", "iam:*", "IAM:*", "s3:GetObject", "arn:aws:s3:::b/*", "", "**"])
# JSON values a policy may hold where strings belong: only the string "*" may equal "*".
_VALUE = st.one_of(_TEXT, st.lists(st.one_of(_TEXT, st.integers(), st.none(), st.booleans(), st.just({"*": "*"}),
                                             st.just(["*"])), max_size=3),
                   st.none(), st.integers(), st.floats(allow_nan=True), st.just({"Resource": "*"}))


@st.composite
def _statement(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from([None, "*", ["*"]]))
    statement: dict[str, Any] = {"Effect": draw(st.sampled_from(["Allow", "Deny", "allow"]))}
    for key in ("Resource", "NotResource", "Action", "NotAction"):
        if draw(st.booleans()):
            statement[key] = draw(_VALUE)
    return statement


def _listed_resources(statement: Any) -> Any:
    """The statement with its Resource as the list of strings the general path reads it as."""
    if not isinstance(statement, dict) or "Resource" not in statement:
        return statement
    return {**statement, "Resource": _as_list(statement["Resource"])}


@given(st.one_of(st.lists(_statement(), max_size=4), _statement()))
def test_grants_admin_reads_a_resource_as_the_list_of_its_strings(statements: Any) -> None:
    # _grants_admin tells "*" apart in the Resource as written, without copying it into that list
    listed = [_listed_resources(s) for s in statements] if isinstance(statements, list) else _listed_resources(
        statements)
    assert _grants_admin({"Statement": statements}) == _grants_admin({"Statement": listed})


@given(check=st.sampled_from(CHECK_IDS),
       override=st.one_of(st.none(), st.sampled_from(["low", "medium", "high", "critical"]).map(
           lambda severity: SeverityOverride(severity, "why"))))
def test_a_severity_without_overrides_is_the_general_paths(check: str, override: SeverityOverride | None) -> None:
    plain = CheckSettings()
    # a user's choice for no real check: the general path, with the same answer for every real one
    general = CheckSettings(severity_overrides={"no-such-check": SeverityOverride("low", "never read")})
    try:
        expected: object = general.severity(check, override)
    except ValueError as error:
        expected = str(error)
    try:
        found: object = plain.severity(check, override)
    except ValueError as error:
        found = str(error)
    assert found == expected


@given(st.datetimes(timezones=st.sampled_from([None, UTC, timezone(timedelta(hours=-7, minutes=-30))])))
def test_an_iso_timestamps_first_ten_characters_are_its_date(moment: datetime) -> None:
    # the unused-role check names the day a role was last used from the timestamp its evidence holds
    assert moment.isoformat()[:10] == moment.date().isoformat()


@given(now=st.datetimes(timezones=st.just(UTC)), days=st.integers(0, 3650))
def test_the_unused_cutoff_is_the_clock_less_the_limit(now: datetime, days: int) -> None:
    try:
        expected: object = now - timedelta(days=days)
    except OverflowError as error:
        expected = type(error)
    try:
        found: object = _cutoff(now, days)
    except OverflowError as error:
        found = type(error)
    assert found == expected


def _general_finding(context: RoleContext, check: str, message: str, statement: int | None,
                     override: SeverityOverride | None, **evidence: Any) -> Finding:
    """RoleContext.finding as written before its shortcuts: filled_paths and CheckSettings.severity every time."""
    facts: dict[str, Any] = {"paths": filled_paths(context.analysis, [])}
    if statement is not None:
        facts["statement"] = statement
        facts["statement_document"] = context.analysis.policy.statements[statement].raw
    facts.update(evidence)
    severity, overridden = context.settings.severity(check, override)
    return Finding(check, severity, context.account_id, context.resource, message, statement, facts,
                   overridden=overridden)


@given(check=st.sampled_from(CHECK_IDS), statement=st.sampled_from([None, 0, 1]), filled=st.booleans(),
       override=st.sampled_from([None, SeverityOverride("high", "why"), SeverityOverride("low", "why")]),
       chosen=st.sampled_from([{}, {"public-trust": SeverityOverride("low", "accepted")}]))
def test_a_finding_is_the_general_paths(check: str, statement: int | None, filled: bool,
                                        override: SeverityOverride | None,
                                        chosen: dict[str, SeverityOverride]) -> None:
    policy = parse_policy({"Version": "2012-10-17", "Statement": [
        {"Sid": "Vendor", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
         "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": "k" * 16}}},
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]})
    analysis = analyse_trust(policy, Zone("111122223333", "aws"))
    settings = CheckSettings(severity_overrides=chosen)
    shared: list[dict[str, Any]] = []
    if filled:
        filled_paths(analysis, shared)  # an earlier finding of the role, or of another with the analysis
    context = RoleContext("111122223333", "arn:aws:iam::111122223333:role/r", analysis, settings, _paths=shared)
    try:
        expected: object = _general_finding(context, check, "m", statement, override, extra=1)
    except ValueError as error:
        expected = str(error)
    try:
        found: object = context.finding(check, "m", statement, override, extra=1)
    except ValueError as error:
        found = str(error)
    assert found == expected
    if isinstance(found, Finding) and isinstance(expected, Finding):
        assert (found.evidence, found.overridden) == (expected.evidence, expected.overridden)
        assert found.evidence["paths"] is shared and len(shared) == len(analysis.paths)
