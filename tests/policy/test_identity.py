"""Identity statements read for sts:AssumeRole: the compiled resource test answers as allows_on does."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from rolescope.policy.glob import LITERAL_STAR, glob_any, glob_match
from rolescope.policy.identity import ASSUME_ROLE, _covers_action, action_statements, allows_on, resource_test

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


def _general_action_statements(documents: list[Any], action: str) -> tuple[dict[str, Any], ...]:
    """action_statements as it read before its common Action forms were inlined."""
    found = []
    for document in documents:
        body = document.get("Statement") if isinstance(document, dict) else None
        items = [body] if isinstance(body, dict) else body if isinstance(body, list) else []
        found += [s for s in items if isinstance(s, dict) and _covers_action(s, action)]
    return tuple(found)


_ACTION = st.lists(st.sampled_from(["sts:", "STS:", "AssumeRole", "assumerole", "*", "?", "s3:Get", "iam:", ""]),
                   max_size=3).map("".join)
# Strings, lists (with items no pattern is, and unhashable ones), and values no Action should hold.
_ACTION_VALUE = st.one_of(_ACTION, st.lists(st.one_of(_ACTION, st.integers(), st.just(None), st.just({"a": 1}),
                                                      st.just(["sts:*"])), max_size=3),
                          st.none(), st.integers(), st.just({"sts": "AssumeRole"}))


@st.composite
def _identity_statement(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from([None, "sts:AssumeRole", ["x"]]))  # not a statement at all
    statement: dict[str, Any] = {"Effect": "Allow"}
    for key in draw(st.sampled_from([("Action",), ("NotAction",), ("Action", "NotAction"), ()])):
        statement[key] = draw(_ACTION_VALUE)
    return statement


_DOCUMENT = st.one_of(
    st.builds(lambda items: {"Statement": items}, st.lists(_identity_statement(), max_size=4)),
    st.builds(lambda item: {"Statement": item}, _identity_statement()),
    st.just({"Version": "2012-10-17"}), st.just(None), st.just(["not", "a", "document"]))


@given(documents=st.lists(_DOCUMENT, max_size=3), action=st.sampled_from([ASSUME_ROLE, "s3:getobject"]))
def test_action_statements_reads_as_the_general_path(documents: list[Any], action: str) -> None:
    found = action_statements(documents, action)
    expected = _general_action_statements(documents, action)
    assert [id(s) for s in found] == [id(s) for s in expected]
