"""The safety net: the containment proof and the engine comparison catch every kind of widening."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.factories import ACCOUNT, OUTSIDER, allow, trust

from rolescope.policy.parse import parse_policy
from rolescope.remediate import hcl
from rolescope.remediate.edit import add_condition, isolate
from rolescope.remediate.errors import Unfixable
from rolescope.remediate.verify import analysis_regressions, widening_reasons
from rolescope.trust.analysis import analyse_trust
from rolescope.trust.witness import Zone

OTHER = "222233334444"
BASE = trust(
    allow({"AWS": [OUTSIDER, f"arn:aws:iam::{ACCOUNT}:role/ci"], "Service": "ecs-tasks.amazonaws.com"},
          condition={"StringLike": {"sts:ExternalId": "vendor-*"}}, sid="Main"),
    {"Effect": "Deny", "Principal": {"AWS": OUTSIDER}, "Action": "sts:AssumeRole",
     "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
)


def widens(after: dict[str, Any], before: dict[str, Any] = BASE) -> list[str]:
    return widening_reasons(parse_policy(before), parse_policy(after))


def edited(change: Any) -> dict[str, Any]:
    document = copy.deepcopy(BASE)
    change(document)
    return document


def test_an_unchanged_policy_is_contained() -> None:
    assert widens(BASE) == []


@pytest.mark.parametrize("change, why", [
    (lambda d: d["Statement"][0].pop("Condition"), "Statement[0]"),
    (lambda d: d["Statement"][0]["Principal"]["AWS"].append(OTHER), "Statement[0]"),
    (lambda d: d["Statement"][0].update(Action=["sts:AssumeRole", "sts:TagSession"]), "Statement[0]"),
    (lambda d: d["Statement"].pop(1), "Deny statement Statement[1]"),
    (lambda d: d["Statement"][1]["Condition"]["Bool"].update({"aws:SecureTransport": "true"}), "Deny"),
    (lambda d: d.update(Version="2008-10-17"), "Version"),
    (lambda d: d["Statement"][0]["Condition"].update(StringLike={"sts:ExternalId": "*"}), "Statement[0]"),
    (lambda d: d["Statement"][0]["Condition"].update(StringEquals={"aws:PrincipalArn": "other-value"},
                                                    StringLike={}), "Statement[0]"),
    (lambda d: d["Statement"][0]["Condition"].update(StringNotEquals={"sts:ExternalId": "x"},
                                                    StringLike={}), "Statement[0]"),
    (lambda d: d["Statement"].append(allow({"AWS": OTHER}, condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})),
     "Statement[2]"),
])
def test_each_kind_of_widening_is_caught(change: Any, why: str) -> None:
    document = edited(change)
    for statement in document["Statement"]:  # an emptied operator block is not valid IAM
        for operator in [k for k, v in (statement.get("Condition") or {}).items() if v == {}]:
            del statement["Condition"][operator]
    reasons = widens(document)
    assert reasons and why in reasons[0]


def test_a_pinned_value_the_old_pattern_accepts_is_contained() -> None:
    def pin(document: dict[str, Any]) -> None:
        document["Statement"][0]["Condition"] = {"StringEquals": {"sts:ExternalId": "vendor-0123456789abcdef"}}

    assert widens(edited(pin)) == []


def test_a_guessable_external_id_may_be_replaced_by_another_value() -> None:
    weak = trust(allow({"AWS": OUTSIDER}, condition={"StringEquals": {"sts:ExternalId": OUTSIDER}}))
    fresh = trust(allow({"AWS": OUTSIDER}, condition={"StringEquals": {"sts:ExternalId": "f" * 32}}))
    assert widens(fresh, weak) == []
    other_key = trust(allow({"AWS": OUTSIDER}, condition={"StringEquals": {"aws:SourceAccount": "f" * 32}}))
    assert widens(other_key, weak)


def test_analysis_regressions_name_what_opened() -> None:
    zone = Zone(ACCOUNT)
    before = analyse_trust(parse_policy(trust(allow({"AWS": OUTSIDER}, condition={
        "StringEquals": {"sts:ExternalId": "x" * 20}}))), zone)
    after = analyse_trust(parse_policy(trust(allow({"AWS": [OUTSIDER, OTHER]}), allow("*"))), zone)
    reasons = " | ".join(analysis_regressions(before, after))
    assert OTHER in reasons and "public" in reasons and "no longer requires MFA or an ExternalId" in reasons
    assert analysis_regressions(before, before) == []


OPERATORS = st.sampled_from([
    ("StringEquals", "sts:ExternalId", "x" * 20), ("Bool", "aws:MultiFactorAuthPresent", "true"),
    ("StringEquals", "aws:PrincipalOrgID", "o-abcdefghij"), ("StringEquals", "aws:SourceAccount", ACCOUNT),
    ("StringLike", "aws:PrincipalArn", f"arn:aws:iam::{OUTSIDER}:role/*"),
])
PRINCIPALS = st.sampled_from([("AWS", OUTSIDER), ("AWS", f"arn:aws:iam::{ACCOUNT}:role/ci"),
                              ("Service", "ecs-tasks.amazonaws.com")])


@settings(max_examples=60)
@given(st.lists(st.tuples(PRINCIPALS, OPERATORS), min_size=1, max_size=4))
def test_narrowing_edits_are_always_proven_safe(edits: list[tuple[tuple[str, str], tuple[str, str, str]]]) -> None:
    document = copy.deepcopy(BASE)
    zone = Zone(ACCOUNT)
    for (key, value), (operator, condition_key, condition_value) in edits:
        index = next((i for i, s in enumerate(document["Statement"]) if s["Effect"] == "Allow" and value in (
            [s["Principal"][key]] if isinstance(s["Principal"].get(key), str) else s["Principal"].get(key) or [])),
                     None)
        if index is None:
            continue
        at = isolate(document, index, lambda k, v, key=key, value=value: (k, v) == (key, value), "Part")
        try:
            add_condition(document["Statement"][at], operator, condition_key, [condition_value])
        except Unfixable:
            continue
    assert widens(document) == []
    before, after = analyse_trust(parse_policy(BASE), zone), analyse_trust(parse_policy(document), zone)
    assert analysis_regressions(before, after) == []


def test_terraform_expression_parses_back_to_the_document() -> None:
    hcl2 = pytest.importorskip("hcl2")
    document = trust(allow({"AWS": [OUTSIDER]}, condition={
        "StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/${aws:username}", "x:y": ["a%{b}", 'q"\\\n']},
        "Bool": {"aws:MultiFactorAuthPresent": True}, "NumericLessThan": {"aws:MultiFactorAuthAge": 3600}}))

    def literal(value: Any) -> Any:
        if isinstance(value, dict):
            return {literal(k): literal(v) for k, v in value.items()}
        if isinstance(value, list):
            return [literal(v) for v in value]
        if isinstance(value, str) and value.startswith('"'):
            body, out, index = value[1:-1], [], 0
            while index < len(body):
                if body.startswith(("$${", "%%{"), index):
                    out.append(body[index + 1:index + 3])
                    index += 3
                elif body[index] == "\\":
                    out.append({"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}[body[index + 1]])
                    index += 2
                else:
                    out.append(body[index])
                    index += 1
            return "".join(out)
        return value

    parsed = hcl2.loads("policy = " + hcl.expression(document))
    assert literal(parsed["policy"]) == document
