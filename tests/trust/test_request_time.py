"""Time windows: IAM sets aws:CurrentTime and aws:EpochTime to the time of the request, at the clock or later.

The policies follow the AWS documentation's own examples ("AWS: Allows access based on date and time":
DateGreaterThan 2020-04-01T00:00:00Z / DateLessThan 2020-06-30T23:59:59Z) and the rules of its date
condition operators (compared to the second; ISO 8601 or epoch seconds; time keys always present).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from rolescope.policy.evaluate import evaluate
from rolescope.policy.parse import parse_policy
from rolescope.policy.request_time import CURRENT_TIME, EPOCH_TIME, epoch_seconds, request_moment
from rolescope.scanner import TrustCache
from rolescope.trust.analysis import TrustAnalysis, analyse_trust
from rolescope.trust.canonical import ZoneShapes, template
from rolescope.trust.witness import Scope, Zone

HOME, PARTNER = "111111111111", "222222222222"
CLOCK = epoch_seconds(datetime(2026, 12, 2, tzinfo=UTC))
AT_CLOCK = Zone(HOME, clock=CLOCK)
DOC_WINDOW = {"DateGreaterThan": {"aws:CurrentTime": "2020-04-01T00:00:00Z"},
              "DateLessThan": {"aws:CurrentTime": "2020-06-30T23:59:59Z"}}


def document(condition: dict[str, Any] | None = None, deny: dict[str, Any] | None = None) -> dict[str, Any]:
    allow: dict[str, Any] = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{PARTNER}:root"},
                             "Action": "sts:AssumeRole"}
    if condition:
        allow["Condition"] = condition
    statements = [allow]
    if deny:
        statements.append({"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole", "Condition": deny})
    return {"Version": "2012-10-17", "Statement": statements}


def analyse(condition: dict[str, Any] | None = None, deny: dict[str, Any] | None = None,
            zone: Zone = AT_CLOCK) -> TrustAnalysis:
    analysis = analyse_trust(parse_policy(document(condition, deny)), zone)
    for path in analysis.paths:  # every example is a request IAM allows, made at the clock or later
        assert path.example is not None and evaluate(analysis.policy, path.example).allowed
        moment = request_moment(path.example.context)
        assert moment is None or moment >= (zone.clock or 0)
    return analysis


def opens(analysis: TrustAnalysis) -> str | None:
    path = analysis.path_for(0, Scope.CROSS_ACCOUNT)
    assert path is not None
    found = analysis.opens(path)
    return None if found is None else datetime.fromtimestamp(found, UTC).isoformat()


def moment(text: str) -> int:
    return epoch_seconds(datetime.fromisoformat(text))


class TestAllowWindows:
    def test_the_documented_window_is_closed_after_it_ended(self) -> None:
        assert not analyse(DOC_WINDOW).cross_account

    def test_the_documented_window_is_open_while_it_lasts(self) -> None:
        analysis = analyse(DOC_WINDOW, zone=Zone(HOME, clock=moment("2020-05-01T12:00:00+00:00")))
        assert analysis.cross_account
        assert opens(analysis) is None  # open at the clock itself

    def test_a_window_opening_later_counts_and_says_from_when(self) -> None:
        analysis = analyse({"DateGreaterThanEquals": {"aws:CurrentTime": "2027-03-01T00:00:00Z"}})
        assert analysis.cross_account
        assert opens(analysis) == "2027-03-01T00:00:00+00:00"
        example = analysis.paths[0].example
        assert example is not None and example.context[CURRENT_TIME] == ("2027-03-01T00:00:00Z",)

    def test_date_greater_than_opens_one_second_after(self) -> None:
        analysis = analyse({"DateGreaterThan": {"aws:CurrentTime": "2027-03-01"}})
        assert opens(analysis) == "2027-03-01T00:00:01+00:00"

    def test_a_window_open_at_the_clock_has_no_start(self) -> None:
        assert opens(analyse({"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}})) is None

    @pytest.mark.parametrize("operator", ["DateLessThanIfExists", "ForAnyValue:DateLessThan",
                                          "ForAllValues:DateLessThan", "DateLessThan"])
    def test_time_keys_are_always_present_and_single_valued(self, operator: str) -> None:
        assert not analyse({operator: {"aws:CurrentTime": "2025-01-01T00:00:00Z"}}).cross_account

    def test_null_on_a_time_key_never_holds(self) -> None:
        assert not analyse({"Null": {"aws:CurrentTime": "true"}}).cross_account
        assert analyse({"Null": {"aws:EpochTime": "false"}}).cross_account

    def test_date_not_equals_leaves_every_other_second(self) -> None:
        assert analyse({"DateNotEquals": {"aws:CurrentTime": "2026-12-02T00:00:00Z"}}).cross_account

    def test_a_window_is_not_a_requirement_the_caller_meets(self) -> None:
        analysis = analyse({"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}})
        assert analysis.paths[0].requires == ()


class TestEpochTime:
    def test_epoch_seconds_and_iso_dates_on_either_key(self) -> None:
        assert not analyse({"NumericLessThan": {"aws:EpochTime": "1735689600"}}).cross_account  # 2025-01-01
        assert not analyse({"DateLessThan": {"aws:EpochTime": "2025-01-01T00:00:00Z"}}).cross_account
        assert not analyse({"DateLessThan": {"aws:CurrentTime": "1735689600"}}).cross_account
        assert analyse({"DateLessThan": {"aws:CurrentTime": "2030-01-01T01:00:00+01:00"}}).cross_account

    def test_both_keys_are_one_moment(self) -> None:
        # Each alone can be met; together they ask for a moment after 2028 and before 2027.
        closed = {"DateGreaterThan": {"aws:CurrentTime": "2028-01-01T00:00:00Z"},
                  "NumericLessThan": {"aws:EpochTime": "1800000000"}}
        assert not analyse(closed).cross_account

    def test_the_example_carries_both_keys_in_agreement(self) -> None:
        analysis = analyse({"DateGreaterThan": {"aws:CurrentTime": "2027-03-01T00:00:00Z"},
                            "NumericLessThan": {"aws:EpochTime": "1900000000"}})
        example = analysis.paths[0].example
        assert example is not None
        assert example.context[EPOCH_TIME] == (str(moment("2027-03-01T00:00:01+00:00")),)
        assert request_moment(example.context) == moment("2027-03-01T00:00:01+00:00")


class TestDenyWindows:
    def test_a_deny_that_took_effect_always_applies(self) -> None:
        assert not analyse(deny={"DateGreaterThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}}).cross_account

    def test_a_deny_in_the_future_leaves_the_role_open_until_then(self) -> None:
        analysis = analyse(deny={"DateGreaterThan": {"aws:CurrentTime": "2027-06-01T00:00:00Z"}})
        assert analysis.cross_account and opens(analysis) is None

    def test_a_deny_window_that_closes_later_says_when_the_role_opens(self) -> None:
        analysis = analyse(deny={"DateGreaterThan": {"aws:EpochTime": "1700000000"},
                                 "DateLessThan": {"aws:CurrentTime": "2028-01-01T00:00:00Z"}})
        assert analysis.cross_account and opens(analysis) == "2028-01-01T00:00:00+00:00"

    def test_the_earliest_way_past_the_denies_is_the_one_reported(self) -> None:
        # Escaping the Deny through its first condition waits for 2028; through its second, not at all.
        analysis = analyse(deny={"DateLessThan": {"aws:CurrentTime": "2028-01-01T00:00:00Z"},
                                 "StringNotEquals": {"sts:ExternalId": "vendor-secret"}})
        assert analysis.cross_account and opens(analysis) is None

    def test_a_negated_deny_applies_at_every_other_second(self) -> None:
        assert not analyse(deny={"DateNotEquals": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}).cross_account

    def test_a_deny_on_a_past_moment_never_applies(self) -> None:
        assert analyse(deny={"DateEquals": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}).cross_account


class TestSharing:
    def test_the_trust_cache_does_not_share_analyses_across_clocks(self) -> None:
        cache = TrustCache()
        policy = document(DOC_WINDOW)
        then = Zone(HOME, clock=moment("2020-05-01T00:00:00+00:00"))
        assert cache.analyse(policy, then).cross_account
        assert not cache.analyse(policy, AT_CLOCK).cross_account
        assert cache.analyse(policy, then).cross_account

    def test_renamed_twins_share_only_at_one_clock(self) -> None:
        shapes = ZoneShapes()
        policy = parse_policy(document(DOC_WINDOW))
        later = Zone(HOME, clock=CLOCK + 1)
        first, second = template(policy, AT_CLOCK, shapes), template(policy, later, shapes)
        assert first is not None and second is not None and first.key != second.key
