"""Identity statements read for sts:AssumeRole: the compiled resource test answers as allows_on does."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from rolescope.policy.glob import LITERAL_STAR, glob_any, glob_match
from rolescope.policy.identity import allows_on, resource_test

_PIECES = st.sampled_from(["arn:aws:iam::1:role/", "a", "b", "/", ":", "*", "?", ".", "(", "\n", LITERAL_STAR])
PATTERN = st.lists(_PIECES, max_size=5).map("".join)
RESOURCE = st.lists(st.sampled_from(["arn:aws:iam::1:role/", "a", "b", "/", ":", ".", "(", "\n", "*"]),
                    max_size=5).map("".join)


@st.composite
def _statements(draw: st.DrawFn) -> tuple[dict[str, Any], ...]:
    found = []
    for _ in range(draw(st.integers(0, 3))):
        statement: dict[str, Any] = {}
        effect = draw(st.sampled_from(["Allow", "Deny", "allow", None]))
        if effect is not None:
            statement["Effect"] = effect
        key = draw(st.sampled_from(["Resource", "NotResource", None]))
        if key is not None:
            statement[key] = draw(st.one_of(PATTERN, st.lists(st.one_of(PATTERN, st.integers()), max_size=3)))
        if draw(st.booleans()):
            statement["Condition"] = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
        found.append(statement)
    return tuple(found)


@given(statements=_statements(), resources=st.lists(RESOURCE, min_size=1, max_size=4))
def test_resource_test_answers_as_allows_on(statements: tuple[dict[str, Any], ...], resources: list[str]) -> None:
    test = resource_test(statements)
    assert [test(r) for r in resources] == [allows_on(statements, r) for r in resources]


@given(patterns=st.lists(PATTERN, min_size=1, max_size=3), text=RESOURCE)
def test_glob_any_is_any_glob_match(patterns: list[str], text: str) -> None:
    assert (glob_any(tuple(patterns)).fullmatch(text) is not None) == any(glob_match(p, text) for p in patterns)
