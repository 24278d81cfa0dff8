"""What IAM rejects, rolescope rejects too, with a message naming the statement (index, Sid) and element."""

from __future__ import annotations

from typing import Any

import pytest

from rolescope.policy.errors import PolicyError
from rolescope.policy.parse import parse_policy

PARTNER = "222222222222"
GOOD: dict[str, Any] = {"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": PARTNER}, "Action": "sts:AssumeRole"}


def rejected(document: Any) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        parse_policy(document)
    return caught.value


def second_statement(**changes: Any) -> PolicyError:
    """Reject a policy whose second statement (Sid ``Bad``) is ``GOOD`` with ``changes`` (None: delete)."""
    statement = {**GOOD, "Sid": "Bad", **changes}
    statement = {key: value for key, value in statement.items() if value is not None}
    return rejected({"Version": "2012-10-17", "Statement": [GOOD, statement]})


@pytest.mark.parametrize(
    ("changes", "element", "words"),
    [
        ({"Principal": {"AWS": "arn:aws:iam::222222222222:role/*"}}, "Principal", "wildcards"),
        ({"Principal": {"AWS": "arn:aws:iam::*:root"}}, "Principal", "12 digits"),
        ({"Principal": {"AWS": "arn:aws:iam::2222:root"}}, "Principal", "12 digits"),
        ({"Principal": {"AWS": "arn:aws:iam::222222222222:role/Dev?"}}, "Principal", "wildcards"),
        ({"Principal": {"AWS": "arn:aws:sts::222222222222:assumed-role/Dev/*"}}, "Principal", "wildcards"),
        ({"Principal": {"AWS": f"arn:aws:sts::{PARTNER}:assumed-role/Dev"}}, "Principal", "assumed-role/ROLE/SESSION"),
        ({"Principal": {"AWS": "arn:aws:iam::222222222222:group/Admins"}}, "Principal", "not an account"),
        ({"Principal": {"AWS": "arn:aws:iam::222222222222:role"}}, "Principal", "names no role"),
        ({"Principal": {"AWS": "arn:aws:iam:us-east-1:222222222222:role/Dev"}}, "Principal", "no region"),
        ({"Principal": {"AWS": "arn:aws-mars:iam::222222222222:root"}}, "Principal", "unknown partition"),
        ({"Principal": {"AWS": "alice"}}, "Principal", "invalid AWS principal"),
        ({"Principal": {"AWS": []}}, "Principal", "non-empty list"),
        ({"Principal": {"AWS": [PARTNER, 7]}}, "Principal", "only strings"),
        ({"Principal": {}}, "Principal", "must be"),
        ({"Principal": "alice"}, "Principal", "must be"),
        ({"Principal": {"Users": PARTNER}}, "Principal", "unknown principal type"),
        ({"Principal": {"*": "*"}}, "Principal", "unknown principal type"),
        ({"Principal": {"Service": "not a service"}}, "Principal", "invalid service principal"),
        ({"Principal": {"Federated": "arn:aws:iam::222222222222:role/X"}}, "Principal", "saml-provider"),
        ({"Principal": {"Federated": "example.com"}}, "Principal", "SAML or OIDC"),
        ({"Principal": {"CanonicalUser": "abc"}}, "Principal", "64 hexadecimal"),
        ({"Principal": None}, "Principal", "exactly one of Principal and NotPrincipal"),
        ({"NotPrincipal": {"AWS": PARTNER}}, "Principal", "exactly one of Principal and NotPrincipal"),
        ({"Principal": None, "NotPrincipal": {"AWS": PARTNER}}, "NotPrincipal", 'only be used with "Effect": "Deny"'),
        ({"Effect": "Deny", "Principal": None, "NotPrincipal": {"AWS": []}}, "NotPrincipal", "non-empty list"),
        ({"Resource": "*"}, "Resource", "no Resource"),
        ({"NotResource": "*"}, "NotResource", "no Resource"),
        ({"Acton": "sts:AssumeRole"}, "Acton", "unknown or prohibited element"),
        ({"Effect": "allow"}, "Effect", "Effect must be"),
        ({"Effect": None}, "Effect", "Effect must be"),
        ({"Effect": True}, "Effect", "Effect must be"),
        ({"Action": None}, "Action", "exactly one of Action and NotAction"),
        ({"NotAction": "sts:TagSession"}, "Action", "exactly one of Action and NotAction"),
        ({"Action": []}, "Action", "non-empty list"),
        ({"Action": "AssumeRole"}, "Action", "invalid action"),
        ({"Action": "sts:Assume Role"}, "Action", "invalid action"),
        ({"Action": None, "NotAction": []}, "NotAction", "non-empty list"),
        ({"Condition": {"StringEqualz": {"sts:ExternalId": "x"}}}, "Condition", "unknown condition operator"),
        ({"Condition": {"ForSomeValues:StringEquals": {"aws:TagKeys": "x"}}}, "Condition", "unknown condition"),
        ({"Condition": {"NullIfExists": {"sts:ExternalId": "true"}}}, "Condition", "unknown condition operator"),
        ({"Condition": {"ForAnyValue:Null": {"sts:ExternalId": "true"}}}, "Condition", "unknown condition operator"),
        ({"Condition": {"StringEquals": {"sts:ExternalId": []}}}, "Condition", "list of values is empty"),
        ({"Condition": {"StringEquals": {}}}, "Condition", "must map condition keys"),
        ({"Condition": {"StringEquals": "x"}}, "Condition", "must map condition keys"),
        ({"Condition": {"StringEquals": {"ExternalId": "x"}}}, "Condition", "invalid condition key"),
        ({"Condition": {"StringEquals": {"sts:ExternalId": {"a": 1}}}}, "Condition", "strings, numbers or booleans"),
        ({"Condition": {"StringEquals": {"sts:ExternalId": None}}}, "Condition", "strings, numbers or booleans"),
        ({"Condition": {"Bool": {"aws:MultiFactorAuthPresent": "yes"}}}, "Condition", "true or false"),
        ({"Condition": {"Null": {"sts:ExternalId": 1}}}, "Condition", "true or false"),
        ({"Condition": ["StringEquals"]}, "Condition", "must be an object"),
    ],
)
def test_statement_errors_name_statement_and_element(changes: dict[str, Any], element: str, words: str) -> None:
    error = second_statement(**changes)
    assert (error.statement, error.sid, error.element) == (1, "Bad", element)
    assert words in str(error)
    assert str(error).startswith(f"Statement[1] (Sid 'Bad') {element}: ")


def test_error_without_sid_names_the_index() -> None:
    error = rejected({"Statement": [GOOD, {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole",
                                           "Resource": "*"}]})
    assert (error.statement, error.sid, error.element) == (1, None, "Resource")
    assert str(error).startswith("Statement[1] Resource: ")


def test_sid_must_be_a_string() -> None:
    error = rejected({"Statement": [{**GOOD, "Sid": 5}]})
    assert (error.statement, error.element) == (0, "Sid")


@pytest.mark.parametrize(
    ("document", "element", "words"),
    [
        ({"Version": "2012-10-18", "Statement": [GOOD]}, "Version", "Version must be"),
        ({"Version": 2012, "Statement": [GOOD]}, "Version", "Version must be"),
        ({"Version": ["2012-10-17"], "Statement": [GOOD]}, "Version", "Version must be"),
        ({"Version": "2012-10-17"}, "Statement", "no Statement"),
        ({"Statement": []}, "Statement", "non-empty list"),
        ({"Statement": "Allow"}, "Statement", "non-empty list"),
        ({"Statement": None}, "Statement", "non-empty list"),
    ],
)
def test_document_errors_name_the_element(document: Any, element: str, words: str) -> None:
    error = rejected(document)
    assert (error.statement, error.element) == (None, element)
    assert words in str(error)


@pytest.mark.parametrize(
    ("document", "words"),
    [
        ("[]", "must be a JSON object"),
        ("\"Statement\"", "must be a JSON object"),
        ("null", "must be a JSON object"),
        ("", "not valid JSON"),
        ("{\"Statement\": [", "not valid JSON"),
        ("%7B%22Statement%22", "not valid JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
        ({"Statement": [GOOD], "Resource": "*"}, "unknown top-level element 'Resource'"),
        ({"Statement": [GOOD], 7: "x"}, "unknown top-level element 7"),
    ],
)
def test_documents_that_are_not_policies(document: Any, words: str) -> None:
    assert words in str(rejected(document))


def test_a_statement_that_is_not_an_object() -> None:
    error = rejected({"Statement": [GOOD, "Allow"]})
    assert error.statement == 1
    assert "must be a JSON object" in str(error)


def test_not_a_document_at_all() -> None:
    assert "JSON text or an object" in str(rejected(42))
