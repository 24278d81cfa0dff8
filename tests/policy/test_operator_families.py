"""The operator table: one typed family per operator, and every family the engine can compare."""

from __future__ import annotations

import pytest

from rolescope.policy.conditions import MATCHERS
from rolescope.policy.operators import OPERATORS, Family, split_operator


def test_every_family_but_null_has_a_matcher() -> None:
    assert set(MATCHERS) == set(Family) - {Family.NULL}
    assert {family for family, _ in OPERATORS.values()} == set(Family)


@pytest.mark.parametrize(("operator", "wildcards", "text", "numeric", "date"), [
    ("StringLike", True, True, False, False),
    ("ArnNotLike", True, True, False, False),
    ("StringEqualsIgnoreCase", False, True, False, False),
    ("BinaryEquals", False, True, False, False),
    ("NumericLessThanEquals", False, False, True, False),
    ("DateGreaterThan", False, False, False, True),
    ("IpAddress", False, False, False, False),
    ("Bool", False, False, False, False),
])
def test_family_properties(operator: str, wildcards: bool, text: bool, numeric: bool, date: bool) -> None:
    name = split_operator(f"ForAnyValue:{operator}IfExists")
    assert name is not None
    family = name.family
    assert isinstance(family, Family)
    assert (family.wildcards, family.compares_text, family.numeric, family.date) == (wildcards, text, numeric, date)
