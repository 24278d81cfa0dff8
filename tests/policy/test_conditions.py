"""One condition, one request context: IAM's verdict for every operator family and its modifiers.

Each row reads: operator, key, policy value(s), the request's value(s) for the key (``ABSENT`` when the
request lacks it), and whether the condition holds.
"""

from __future__ import annotations

from typing import Any

import pytest

from rolescope.policy.conditions import condition_holds
from rolescope.policy.model import Condition
from rolescope.policy.parse import parse_policy

ABSENT = None


def condition(operator: str, key: str, values: Any, *, version: str = "2012-10-17") -> Condition:
    statement = {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole",
                 "Condition": {operator: {key: values}}}
    (parsed,) = parse_policy({"Version": version, "Statement": statement}).statements[0].conditions
    return parsed


def holds(operator: str, key: str, values: Any, request: Any, **context: tuple[str, ...]) -> bool:
    full = dict(context)
    if request is not ABSENT:
        full[key.lower()] = tuple(request) if isinstance(request, list) else (request,)
    return condition_holds(condition(operator, key, values), full)


CASES = [
    # String
    ("StringEquals", "sts:ExternalId", "abc", "abc", True),
    ("StringEquals", "sts:ExternalId", "abc", "ABC", False),
    ("StringEquals", "sts:ExternalId", "a*", "abc", False),
    ("StringEquals", "sts:ExternalId", "a*", "a*", True),
    ("StringEquals", "sts:ExternalId", ["x", "abc"], "abc", True),  # several values: OR
    ("StringNotEquals", "sts:ExternalId", "abc", "abc", False),
    ("StringNotEquals", "sts:ExternalId", ["x", "abc"], "abc", False),
    ("StringNotEquals", "sts:ExternalId", ["x", "y"], "abc", True),
    ("StringEqualsIgnoreCase", "sts:ExternalId", "AbC", "aBc", True),
    ("StringEqualsIgnoreCase", "sts:ExternalId", "AbC", "abd", False),
    ("StringNotEqualsIgnoreCase", "sts:ExternalId", "AbC", "aBc", False),
    ("StringNotEqualsIgnoreCase", "sts:ExternalId", "AbC", "xyz", True),
    ("StringLike", "sts:ExternalId", "a*c", "abbbc", True),
    ("StringLike", "sts:ExternalId", "a*c", "ac", True),
    ("StringLike", "sts:ExternalId", "a*c", "abcd", False),
    ("StringLike", "sts:ExternalId", "a?c", "abc", True),
    ("StringLike", "sts:ExternalId", "a?c", "ac", False),
    ("StringLike", "sts:ExternalId", "A*", "abc", False),  # case-sensitive
    ("StringLike", "sts:ExternalId", "*", "", True),
    ("StringLike", "sts:ExternalId", "a.c", "abc", False),  # no regex leaks through
    ("StringNotLike", "sts:ExternalId", "a*", "abc", False),
    ("StringNotLike", "sts:ExternalId", "a*", "xbc", True),
    # Numeric
    ("NumericEquals", "aws:MultiFactorAuthAge", "10", "10", True),
    ("NumericEquals", "aws:MultiFactorAuthAge", "10", "10.0", True),
    ("NumericNotEquals", "aws:MultiFactorAuthAge", "10", "11", True),
    ("NumericLessThan", "aws:MultiFactorAuthAge", 3600, "3599", True),
    ("NumericLessThan", "aws:MultiFactorAuthAge", 3600, "3600", False),
    ("NumericLessThanEquals", "aws:MultiFactorAuthAge", 3600, "3600", True),
    ("NumericGreaterThan", "aws:MultiFactorAuthAge", "3600", "3601", True),
    ("NumericGreaterThan", "aws:MultiFactorAuthAge", "3600", "-5", False),
    ("NumericGreaterThanEquals", "aws:MultiFactorAuthAge", "3600", "3600", True),
    ("NumericLessThan", "aws:MultiFactorAuthAge", "3600", "soon", False),  # not a number: no match
    ("NumericLessThan", "aws:MultiFactorAuthAge", "3600", "-inf", False),  # decimal numerals only
    ("NumericLessThan", "aws:MultiFactorAuthAge", "3600", "nan", False),
    ("NumericNotEquals", "aws:MultiFactorAuthAge", "3600", "nan", True),
    ("NumericEquals", "aws:MultiFactorAuthAge", "1000", "1_000", False),
    ("NumericEquals", "aws:MultiFactorAuthAge", "1e3", "1000", True),
    ("NumericGreaterThan", "aws:MultiFactorAuthAge", "1e400", "1", False),  # overflows: not a number
    # Date: ISO 8601 and epoch seconds alike
    ("DateLessThan", "aws:CurrentTime", "2030-01-01T00:00:00Z", "2029-12-31T23:59:59Z", True),
    ("DateLessThan", "aws:CurrentTime", "2030-01-01T00:00:00Z", "2030-01-01T00:00:01Z", False),
    ("DateLessThan", "aws:CurrentTime", "2030-01-01", "1893455999", True),  # epoch just before
    ("DateGreaterThan", "aws:CurrentTime", "1700000000", "2024-01-01T00:00:00+00:00", True),
    ("DateGreaterThanEquals", "aws:CurrentTime", "2024-01-01T00:00:00Z", "2024-01-01T01:00:00+01:00", True),
    ("DateLessThanEquals", "aws:CurrentTime", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", True),
    ("DateEquals", "aws:CurrentTime", "2024-01-01T00:00:00Z", "1704067200", True),
    ("DateNotEquals", "aws:CurrentTime", "2024-01-01T00:00:00Z", "1704067201", True),
    ("DateLessThan", "aws:CurrentTime", "2030-01-01T00:00:00Z", "yesterday", False),
    # Bool: true and "true" alike, request case-insensitive
    ("Bool", "aws:MultiFactorAuthPresent", "true", "true", True),
    ("Bool", "aws:MultiFactorAuthPresent", True, "true", True),
    ("Bool", "aws:MultiFactorAuthPresent", "True", "TRUE", True),
    ("Bool", "aws:MultiFactorAuthPresent", "true", "false", False),
    ("Bool", "aws:MultiFactorAuthPresent", False, "false", True),
    # Binary
    ("BinaryEquals", "aws:SomeBlob", "QmluYXJ5VmFsdWU=", "QmluYXJ5VmFsdWU=", True),
    ("BinaryEquals", "aws:SomeBlob", "QmluYXJ5VmFsdWU=", "QmluYXJ5VmFsdWF=", False),
    # IP addresses, v4 and v6
    ("IpAddress", "aws:SourceIp", "10.0.0.0/8", "10.200.3.4", True),
    ("IpAddress", "aws:SourceIp", "10.0.0.0/8", "11.0.0.1", False),
    ("IpAddress", "aws:SourceIp", "203.0.113.7", "203.0.113.7", True),  # a lone address
    ("IpAddress", "aws:SourceIp", "203.0.113.7/32", "203.0.113.8", False),
    ("IpAddress", "aws:SourceIp", "2001:db8::/32", "2001:db8:ffff::1", True),
    ("IpAddress", "aws:SourceIp", "2001:db8::/32", "2001:db9::1", False),
    ("IpAddress", "aws:SourceIp", "::/0", "1.2.3.4", False),  # versions never mix
    ("IpAddress", "aws:SourceIp", ["10.0.0.0/8", "2001:db8::/32"], "2001:db8::5", True),
    ("IpAddress", "aws:SourceIp", "10.0.0.0/8", "not-an-ip", False),
    ("NotIpAddress", "aws:SourceIp", "10.0.0.0/8", "10.1.1.1", False),
    ("NotIpAddress", "aws:SourceIp", "10.0.0.0/8", "192.0.2.1", True),
    # ARNs: each of the six parts on its own, wildcards never cross a colon before the resource
    ("ArnEquals", "aws:PrincipalArn", "arn:aws:iam::222222222222:role/Dev", "arn:aws:iam::222222222222:role/Dev", True),
    ("ArnEquals", "aws:PrincipalArn", "arn:aws:iam::*:role/Dev", "arn:aws:iam::222222222222:role/Dev", True),
    ("ArnLike", "aws:PrincipalArn", "arn:aws:iam::*:role/Dev", "arn:aws:iam::222222222222:role/Dev", True),
    ("ArnLike", "aws:PrincipalArn", "arn:aws:iam::*:role/Dev", "arn:aws:iam::222222222222:role/Dev2", False),
    ("ArnLike", "aws:PrincipalArn", "arn:aws:iam::*:role/Dev", "arn:aws:iam::1:2:role/Dev", False),
    ("ArnLike", "aws:PrincipalArn", "arn:aws:iam::*:role/*", "arn:aws:iam::222222222222:role/a/b:c", True),
    ("ArnLike", "aws:PrincipalArn", "arn:aws:*:role/Dev", "arn:aws:iam::222222222222:role/Dev", False),
    ("ArnLike", "aws:PrincipalArn", "arn:*:iam::222222222222:role/Dev", "arn:aws-cn:iam::222222222222:role/Dev",
     True),
    ("ArnLike", "aws:PrincipalArn", "arn:aws:iam::2222????????:role/*", "arn:aws:iam::222233334444:role/x", True),
    ("ArnLike", "aws:PrincipalArn", "arn:aws:iam::*:role/Dev", "Dev", False),
    ("ArnLike", "aws:PrincipalArn", "*", "anything:at:all", True),
    ("ArnLike", "aws:PrincipalArn", "arn:aws:iam::*:ROLE/Dev", "arn:aws:iam::222222222222:role/Dev", False),
    ("ArnNotEquals", "aws:PrincipalArn", "arn:aws:iam::*:role/Dev", "arn:aws:iam::222222222222:role/Dev", False),
    ("ArnNotLike", "aws:PrincipalArn", "arn:aws:iam::*:role/Dev", "arn:aws:iam::222222222222:role/Ops", True),
    # Null tests presence only
    ("Null", "sts:ExternalId", "true", ABSENT, True),
    ("Null", "sts:ExternalId", "true", "x", False),
    ("Null", "sts:ExternalId", "false", "x", True),
    ("Null", "sts:ExternalId", "false", ABSENT, False),
    ("Null", "sts:ExternalId", True, ABSENT, True),
]


@pytest.mark.parametrize(("operator", "key", "values", "request_value", "expected"), CASES)
def test_operator(operator: str, key: str, values: Any, request_value: Any, expected: bool) -> None:
    assert holds(operator, key, values, request_value) is expected


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        # a key the request lacks: positive operators fail, negated ones hold (AWS's rules)
        ("StringEquals", False), ("StringNotEquals", True), ("StringLike", False), ("StringNotLike", True),
        ("StringEqualsIgnoreCase", False), ("StringNotEqualsIgnoreCase", True),
        ("NumericEquals", False), ("NumericNotEquals", True), ("NumericLessThan", False),
        ("DateEquals", False), ("DateNotEquals", True), ("DateGreaterThan", False),
        ("Bool", False), ("BinaryEquals", False),
        ("IpAddress", False), ("NotIpAddress", True),
        ("ArnEquals", False), ("ArnLike", False), ("ArnNotEquals", True), ("ArnNotLike", True),
        # ...IfExists: a missing key makes the condition hold, whatever the operator
        ("StringEqualsIfExists", True), ("StringNotEqualsIfExists", True), ("BoolIfExists", True),
        ("NumericLessThanIfExists", True), ("IpAddressIfExists", True), ("ArnLikeIfExists", True),
        ("DateLessThanIfExists", True),
        # ForAllValues holds vacuously, ForAnyValue fails
        ("ForAllValues:StringEquals", True), ("ForAllValues:StringNotLike", True),
        ("ForAnyValue:StringEquals", False), ("ForAnyValue:StringNotEquals", False),
    ],
)
def test_missing_key(operator: str, expected: bool) -> None:
    value = {"Bool": "true", "BinaryEquals": "QQ=="}.get(operator.removesuffix("IfExists"), "1")
    assert holds(operator, "aws:SomeKey", value, ABSENT) is expected


@pytest.mark.parametrize(
    ("operator", "request_value", "expected"),
    [
        ("StringEqualsIfExists", "abc", True),
        ("StringEqualsIfExists", "xyz", False),  # present: IfExists changes nothing
        ("BoolIfExists", "false", False),
        ("StringNotLikeIfExists", "abc", False),
    ],
)
def test_if_exists_when_the_key_is_present(operator: str, request_value: str, expected: bool) -> None:
    values = "true" if operator.startswith("Bool") else "a*" if "Like" in operator else "abc"
    assert holds(operator, "sts:ExternalId", values, request_value) is expected


@pytest.mark.parametrize(
    ("operator", "policy_values", "request_values", "expected"),
    [
        ("ForAnyValue:StringEquals", ["a", "b"], ["x", "b"], True),
        ("ForAnyValue:StringEquals", ["a", "b"], ["x", "y"], False),
        ("ForAllValues:StringEquals", ["a", "b"], ["a", "b"], True),
        ("ForAllValues:StringEquals", ["a", "b"], ["a", "x"], False),
        ("ForAllValues:StringLike", ["team-*"], ["team-a", "team-b"], True),
        ("ForAnyValue:StringNotEquals", ["a"], ["a", "b"], True),  # some value is not "a"
        ("ForAnyValue:StringNotEquals", ["a"], ["a"], False),
        ("ForAllValues:StringNotEquals", ["a"], ["b", "c"], True),  # no value is "a"
        ("ForAllValues:StringNotEquals", ["a"], ["b", "a"], False),
        ("ForAnyValue:StringLikeIfExists", ["a*"], ["b"], False),
    ],
)
def test_set_qualifiers_on_multivalued_keys(operator: str, policy_values: list[str], request_values: list[str],
                                            expected: bool) -> None:
    assert holds(operator, "aws:TagKeys", policy_values, request_values) is expected


def test_condition_keys_are_case_insensitive() -> None:
    written = condition("StringEquals", "STS:EXTERNALID", "abc")
    assert condition_holds(written, {"sts:externalid": ("abc",)})
    ip = condition("IpAddress", "AWS:SourceIP", "10.0.0.0/8")
    assert condition_holds(ip, {"aws:sourceip": ("10.0.0.1",)})


def test_operator_names_are_case_insensitive() -> None:
    assert holds("stringequalsifexists", "sts:ExternalId", "abc", ABSENT)
    assert holds("forallvalues:STRINGLIKE", "aws:TagKeys", "a*", ["ab"])


class TestPolicyVariables:
    def test_variable_is_replaced_from_the_request(self) -> None:
        assert holds("StringEquals", "sts:ExternalId", "${aws:username}", "alice", **{"aws:username": ("alice",)})
        assert not holds("StringEquals", "sts:ExternalId", "${aws:username}", "bob", **{"aws:username": ("alice",)})

    def test_variable_names_are_case_insensitive(self) -> None:
        assert holds("StringEquals", "sts:ExternalId", "${AWS:UserName}", "alice", **{"aws:username": ("alice",)})

    def test_variable_inside_a_pattern(self) -> None:
        context = {"aws:principalaccount": ("222222222222",)}
        pattern = "arn:aws:iam::${aws:PrincipalAccount}:role/*"
        assert holds("ArnLike", "aws:PrincipalArn", pattern, "arn:aws:iam::222222222222:role/x", **context)
        assert not holds("ArnLike", "aws:PrincipalArn", pattern, "arn:aws:iam::333333333333:role/x", **context)

    def test_default_value_when_the_key_is_missing(self) -> None:
        assert holds("StringEquals", "sts:ExternalId", "${aws:username, 'nobody'}", "nobody")
        assert not holds("StringEquals", "sts:ExternalId", "${aws:username, 'nobody'}", "alice")
        assert holds("StringEquals", "sts:ExternalId", "${aws:username, 'nobody'}", "alice",
                     **{"aws:username": ("alice",)})

    def test_unresolvable_variable_matches_nothing_and_does_not_crash(self) -> None:
        assert not holds("StringEquals", "sts:ExternalId", "${aws:username}", "${aws:username}")
        assert not holds("StringEquals", "sts:ExternalId", "${aws:username}", "")
        assert holds("StringNotEquals", "sts:ExternalId", "${aws:username}", "anything")
        assert holds("StringLike", "sts:ExternalId", "${", "${")  # no closing brace: plain text
        assert holds("StringEquals", "sts:ExternalId", "${no-close", "${no-close")
        assert not holds("StringEquals", "sts:ExternalId", "${}", "")

    def test_escapes_are_literal_characters(self) -> None:
        assert holds("StringEquals", "sts:ExternalId", "a${*}b${?}c${$}", "a*b?c$")
        assert holds("StringLike", "sts:ExternalId", "a${*}c", "a*c")
        assert not holds("StringLike", "sts:ExternalId", "a${*}c", "abc")  # ${*} is a star, not a wildcard
        assert not holds("StringLike", "sts:ExternalId", "a${?}c", "abc")
        assert holds("StringLike", "sts:ExternalId", "a${*}*", "a*bc")

    def test_wildcards_a_variable_brings_in_are_literal(self) -> None:
        context = {"aws:username": ("bob*",)}
        assert holds("StringLike", "sts:ExternalId", "${aws:username}-x", "bob*-x", **context)
        assert not holds("StringLike", "sts:ExternalId", "${aws:username}-x", "bobby-x", **context)

    def test_version_2008_has_no_variables(self) -> None:
        old = condition("StringEquals", "sts:ExternalId", "${aws:username}", version="2008-10-17")
        assert condition_holds(old, {"sts:externalid": ("${aws:username}",)})
        assert not condition_holds(old, {"sts:externalid": ("alice",), "aws:username": ("alice",)})
