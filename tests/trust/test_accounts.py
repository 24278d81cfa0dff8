"""The classes of accounts nobody named that the trust search tries, one caller per class."""

from __future__ import annotations

from typing import Any

from rolescope.policy.parse import parse_policy
from rolescope.trust.accounts import account_classes, account_patterns, member_classes, signature

HOME, PARTNER = "111111111111", "222222222222"


def readers(condition: dict[str, Any]) -> Any:
    policy = parse_policy({"Statement": {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
                                         "Condition": condition}})
    return account_patterns(policy, "aws")


def test_without_account_conditions_one_class_of_fresh_accounts() -> None:
    assert account_classes([], {HOME, PARTNER}) == [["999999999999", "999999999998"]]
    assert account_classes([], {"999999999999"}) == [["999999999998", "999999999997"]]


def test_prefix_pattern_splits_accounts_in_two() -> None:
    classes = account_classes(readers({"StringLike": {"aws:PrincipalAccount": "2222*"}}), {HOME, PARTNER})
    assert sorted(c[0][:4] == "2222" for c in classes) == [False, True]
    assert all(PARTNER not in c and HOME not in c for c in classes)


def test_account_part_of_an_arn_pattern() -> None:
    found = readers({"ArnLike": {"aws:PrincipalArn": ["arn:aws:iam::*1:role/x", "arn:aws:iam::3333*:*"]}})
    classes = account_classes(found, {HOME})
    representatives = {c[0] for c in classes}
    assert any(r.endswith("1") and not r.startswith("3333") for r in representatives)
    assert any(r.startswith("3333") and r.endswith("1") for r in representatives)
    assert any(r.startswith("3333") and not r.endswith("1") for r in representatives)
    assert len(classes) == 4


def test_literal_accounts_do_not_split_the_unnamed_ones() -> None:
    found = readers({"StringEquals": {"aws:PrincipalAccount": [HOME, PARTNER]}})
    assert account_classes(found, {HOME, PARTNER}) == [["999999999999", "999999999998"]]


def test_numbers() -> None:
    found = readers({"NumericLessThan": {"aws:PrincipalAccount": "300000000000"}})
    classes = account_classes(found, {HOME})
    assert sorted(int(c[0]) < 300000000000 for c in classes) == [False, False, True]  # below, equal, above
    assert ["300000000000"] in classes


def test_signature_and_members() -> None:
    found = readers({"StringLike": {"aws:PrincipalAccount": "2222*"}})
    assert signature(found, "222200000000") == signature(found, "222299999999")
    assert signature(found, "222200000000") != signature(found, "322200000000")
    members = member_classes(found, {"222200000001", "222200000002", "444444444444"})
    assert sorted(members) == ["222200000001", "444444444444"]
