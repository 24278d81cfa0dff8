"""The parser never crashes: whatever JSON (or near-policy) it gets, it returns a policy or a PolicyError."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from hypothesis import given
from hypothesis import strategies as st

from rolescope.policy.errors import PolicyError
from rolescope.policy.model import PolicyDocument
from rolescope.policy.parse import parse_policy

VALID = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Partner",
            "Effect": "Allow",
            "Principal": {"AWS": ["arn:aws:iam::222222222222:root", "333333333333"], "Service": "ec2.amazonaws.com"},
            "Action": ["sts:AssumeRole", "sts:TagSession"],
            "Condition": {
                "StringEquals": {"sts:ExternalId": "abc"},
                "BoolIfExists": {"aws:MultiFactorAuthPresent": True},
            },
        },
        {
            "Effect": "Deny",
            "NotPrincipal": {"AWS": "arn:aws:iam::222222222222:role/Admin"},
            "NotAction": "sts:TagSession",
            "Condition": {"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8"]}, "Null": {"sts:ExternalId": "true"}},
        },
    ],
}

KEYS = ["Version", "Id", "Statement", "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
        "Condition", "Resource", "AWS", "Service", "Federated", "CanonicalUser", "*", "StringEquals",
        "ForAnyValue:StringLike", "BoolIfExists", "Null", "sts:ExternalId", "aws:SourceIp", "x"]
TEXTS = st.one_of(
    st.sampled_from(["Allow", "Deny", "*", "2012-10-17", "2008-10-17", "sts:AssumeRole", "123456789012",
                     "arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:role/*", "true", "false",
                     "10.0.0.0/8", "${aws:username}", "%7B%7D", "", "AROAABCDEFGHIJKLMNOP"]),
    st.text(max_size=12),
)
JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                         TEXTS)
JSON = st.recursive(
    JSON_SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=6)), children, max_size=5),
    ),
    max_leaves=25,
)


def _parses_or_rejects(document: Any) -> None:
    try:
        result = parse_policy(document)
    except PolicyError as error:
        assert str(error)
    else:
        assert isinstance(result, PolicyDocument)


@given(JSON)
def test_arbitrary_json_values(value: Any) -> None:
    _parses_or_rejects(value if isinstance(value, dict) else json.dumps(value))


@given(JSON)
def test_arbitrary_json_as_text_and_url_encoded(value: Any) -> None:
    text = json.dumps(value)
    _parses_or_rejects(text)
    _parses_or_rejects(quote(text, safe=""))
    _parses_or_rejects(text.encode())


@given(st.one_of(st.text(max_size=40), st.binary(max_size=40)))
def test_arbitrary_text_and_bytes(data: str | bytes) -> None:
    _parses_or_rejects(data)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


def _replace(value: Any, path: tuple[Any, ...], new: Any, mode: str) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    copy: Any = dict(value) if isinstance(value, dict) else list(value)
    if not rest and mode == "delete":
        del copy[head]
    elif not rest and mode == "rename" and isinstance(copy, dict):
        copy[new if isinstance(new, str) else str(new)] = copy.pop(head)
    else:
        copy[head] = _replace(copy[head], rest, new, mode)
    return copy


@given(st.data())
def test_mutated_valid_policies(data: st.DataObject) -> None:
    paths = _paths(VALID)
    document: Any = VALID
    for _ in range(data.draw(st.integers(1, 3))):
        paths = _paths(document)
        path = data.draw(st.sampled_from(paths))
        mode = data.draw(st.sampled_from(["replace", "delete", "rename"])) if path else "replace"
        document = _replace(document, path, data.draw(JSON), mode)
    _parses_or_rejects(document)
    if isinstance(document, dict):
        _parses_or_rejects(json.dumps(document))


@given(st.dictionaries(st.one_of(st.integers(), st.none(), st.text(max_size=4)), JSON, max_size=4))
def test_mappings_with_keys_json_cannot_spell(value: dict[Any, Any]) -> None:
    _parses_or_rejects(value)
    _parses_or_rejects({"Statement": [value]})
    _parses_or_rejects({"Statement": {"Effect": "Allow", "Principal": value, "Action": "sts:AssumeRole"}})
    _parses_or_rejects({"Statement": {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole",
                                      "Condition": value}})
