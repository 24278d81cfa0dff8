"""The shortcuts of the template and renaming code agree with the general paths they stand in for.

Each shortcut answers a common case (one standalone occurrence of an account id, an ASCII text, a
repeated principal value) without the regular expression or the parse it replaces: these tests
hold each against the general path, on texts built to put digits next to the ids.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.trust.renaming_oracle import Renaming

from rolescope.policy.errors import PolicyError
from rolescope.policy.model import Condition, Principal, PrincipalKind, PrincipalType
from rolescope.policy.parse import (
    CONDITION_KEY,
    _condition_key,
    _principals,
    _read_principal,
    parse_policy,
    read_principal,
)
from rolescope.policy.qualifier import Qualifier
from rolescope.trust.abstraction import _RESERVED, ACCOUNT, Abstraction, _blanked, _literal, _residue, issuer_host
from rolescope.trust.canonical import _TYPE_NAMES, _Marks, _marks
from rolescope.trust.subjects import subject_class
from rolescope.trust.witness import CallerWitness

IDS = ["111111111111", "123456789012", "000000000001", "999999999999"]
# Pieces that put digits (ASCII and not), separators and private-use markers next to the ids.
PIECES = st.sampled_from([*IDS, "1", "12", "0", "٣", "a", ":", "/", "-", "\n", "", "\ue0f0", "arn:aws:iam::", ":root"])
TEXTS = st.lists(PIECES, max_size=8).map("".join)


def _general_sub(value: str, accounts: dict[str, str]) -> str:
    return ACCOUNT.sub(lambda m: accounts.get(m.group(0), m.group(0)), value)


@given(st.lists(TEXTS, max_size=5))
def test_residue_blanks_each_text_as_the_joined_substitution_does(texts: list[str]) -> None:
    assert _residue(texts) == ACCOUNT.sub(" ", "\n".join(texts))


@given(TEXTS, st.sampled_from(IDS), st.sampled_from(IDS))
def test_marks_text_renames_as_the_regular_expression_does(value: str, account: str, other: str) -> None:
    found = Abstraction((account, other), "", (), (), (), (), (), None, frozenset())
    marks = _Marks(found)
    assert marks.text(value) == _general_sub(value, marks.accounts)


@given(TEXTS, st.sampled_from(IDS), st.sampled_from(IDS))
def test_renaming_one_account_renames_as_the_regular_expression_does(value: str, source: str, target: str) -> None:
    renaming = Renaming(accounts=((source,), (target,)), names=((), ()), sessions=((), ()), hosts=((), ()),
                        written=((), ()), org_path=(None, None), values=((), ()), value_keys=frozenset(),
                        sids=((), ()))
    assert renaming.text(value) == _general_sub(value, renaming.accounts)


@given(TEXTS, st.lists(st.tuples(st.sampled_from(IDS), st.sampled_from(IDS)), min_size=2, max_size=4))
def test_renaming_several_accounts_renames_as_the_regular_expression_does(value: str,
                                                                            pairs: list[tuple[str, str]]) -> None:
    sources = tuple(dict.fromkeys(source for source, _ in pairs))
    targets = tuple(dict(pairs)[source] for source in sources)
    renaming = Renaming(accounts=(sources, targets), names=((), ()), sessions=((), ()), hosts=((), ()),
                        written=((), ()), org_path=(None, None), values=((), ()), value_keys=frozenset(),
                        sids=((), ()))
    assert renaming.text(value) == _general_sub(value, renaming.accounts)


@pytest.mark.parametrize("kind, value", [
    (PrincipalType.AWS, "arn:aws:iam::111111111111:root"), (PrincipalType.AWS, "111111111111"),
    (PrincipalType.AWS, "arn:aws:iam::11111111111:root"), (PrincipalType.AWS, "arn:aws:iam::111111111111:role/*"),
    (PrincipalType.SERVICE, "lambda.amazonaws.com"), (PrincipalType.SERVICE, "Lambda"),
    (PrincipalType.FEDERATED, "arn:aws:iam::111111111111:oidc-provider/example.com"),
    (PrincipalType.FEDERATED, "accounts.google.com"), (PrincipalType.CANONICAL_USER, "x"),
])
def test_a_memoised_principal_is_the_one_read_principal_reads(kind: PrincipalType, value: str) -> None:
    try:
        direct: object = read_principal(kind, value, PolicyError)
    except PolicyError as error:
        direct = str(error)
    assert _read_principal(kind, value) == direct
    assert _read_principal(kind, value) == direct  # and again, from the memo


def test_a_refused_principal_raises_from_the_statement_each_time() -> None:
    document = {"Statement": [{"Sid": "S", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::1:root"},
                               "Action": "sts:AssumeRole"}]}
    for _ in range(2):  # the second answer comes from the memo
        with pytest.raises(PolicyError, match="the account must be 12 digits") as raised:
            parse_policy(document)
        assert raised.value.statement == 0 and raised.value.element == "Principal"


def test_caller_witnesses_are_rebuilt_with_every_field() -> None:
    # caller_witnesses() builds them positionally with the zone's clock: a new field must be added there.
    assert [f.name for f in dataclasses.fields(CallerWitness)] == [
        "caller", "action", "origin", "scope", "anonymous", "mfa", "unnamed", "specs", "clock"]


# Values with the characters _RESERVED looks for, and their neighbours (ASCII and not).
VALUE_PIECES = st.sampled_from(["*", "?", "$", "{", "${", "}", "a", ":", "1", "\ue000", "\ue0f1", "\uf8ff", "\uf900",
                                "é", "arn:aws:s3:::b", ""])


@given(st.lists(VALUE_PIECES, max_size=6).map("".join), st.sampled_from(["StringEquals", "ArnLike"]))
def test_a_literal_value_is_told_as_the_regular_expression_tells_it(value: str, operator: str) -> None:
    condition = Condition(operator, Qualifier.NONE, False, "sts:externalid", "sts:ExternalId", (value,))
    general = bool(value) and not _RESERVED.search(value) and (
        operator != "ArnLike" or not 0 < value.count(":") < 5)
    assert _literal(condition, value) == general


@given(st.sampled_from(["\ue0f0", "\ue0f2", "\ue0f4"]), st.lists(st.text(max_size=3), max_size=12, unique=True))
def test_placeholders_are_numbered_in_the_names_order(kind: str, names: list[str]) -> None:
    assert _marks(kind, tuple(names)) == {name: f"{kind}{index}{kind}" for index, name in enumerate(names)}


@given(st.sampled_from(["sts:externalid", "aws:sourcearn", "token.actions.githubusercontent.com:sub",
                        "token.actions.githubusercontent.com:aud", "gitlab.example.com:sub", "saml:sub", ":sub",
                        "x:sub:aud", "app.terraform.io:sub"]),
       st.sampled_from(["repo:acme/api:ref:refs/heads/main", "project_path:g/p:ref_type:branch:ref:main", "x", ""]))
def test_a_subject_class_is_none_but_for_keys_ending_in_sub(key: str, value: str) -> None:
    # _Marks.condition asks subject_class only for such keys
    assert key.endswith(":sub") or subject_class(key, value) is None


def _refusal(element: object) -> object:
    try:
        return _principals(element, PolicyError)
    except PolicyError as error:
        return str(error)


@pytest.mark.parametrize("key", ["AWS", "Service", "Federated", "CanonicalUser", "*", "aws", "Bogus"])
@pytest.mark.parametrize("value", [
    "arn:aws:iam::111111111111:root", " 111111111111 ", "arn:aws:iam::111111111111:role/app", "*",
    "lambda.amazonaws.com", "accounts.google.com", "arn:aws:iam::111111111111:oidc-provider/example.com",
    "a" * 64, "arn:aws:iam::1:root", "",
])
def test_a_lone_principal_reads_as_the_general_loop_reads_it(key: str, value: str) -> None:
    # {key: value} goes through the memoised lone path, {key: [value]} through the loop
    for _ in range(2):  # the second answer comes from the memo
        assert _refusal({key: value}) == _refusal({key: [value]})


@given(st.lists(st.sampled_from(["aws", ":", "sts", "ExternalId", " ", "\t", "x", "É", "/"]), max_size=5).map("".join))
def test_a_condition_key_is_checked_and_lowered_as_the_regular_expression_does(key: str) -> None:
    assert _condition_key(key) == (key.lower() if CONDITION_KEY.match(key) else None)


@given(TEXTS)
def test_a_blanked_text_is_the_substitution_of_its_ids(text: str) -> None:
    for _ in range(2):  # the second answer comes from the memo
        assert _blanked(text) == ACCOUNT.sub(" ", text)


# Principals of every kind, some naming the ids above, read as the parser reads them.
PRINCIPALS = st.sampled_from([
    read_principal(kind, value, PolicyError) for kind, value in [
        (PrincipalType.AWS, "arn:aws:iam::111111111111:root"), (PrincipalType.AWS, "123456789012"),
        (PrincipalType.AWS, "arn:aws:iam::123456789012:role/app"), (PrincipalType.AWS, "*"),
        (PrincipalType.AWS, "arn:aws:sts::111111111111:assumed-role/app/s"),
        (PrincipalType.AWS, "AROAEXAMPLEEXAMPLE123"), (PrincipalType.SERVICE, "lambda.amazonaws.com"),
        (PrincipalType.FEDERATED, "arn:aws:iam::111111111111:oidc-provider/oidc.example.com/id/123456789012"),
        (PrincipalType.FEDERATED, "arn:aws:iam::999999999999:saml-provider/idp"),
        (PrincipalType.FEDERATED, "accounts.google.com"), (PrincipalType.CANONICAL_USER, "a" * 64),
    ]
])
ACCOUNT_SETS = st.one_of(st.none(), st.lists(st.sampled_from(IDS), min_size=1, unique=True).map(
    lambda ids: tuple(sorted(ids))))


@given(st.frozensets(PRINCIPALS, min_size=1, max_size=4), ACCOUNT_SETS)
def test_a_principal_element_is_written_from_the_memo_as_one_principal_at_a_time(
        found: frozenset[Principal], accounts: tuple[str, ...] | None) -> None:
    unique_ids = tuple(sorted(p.value for p in found if p.kind is PrincipalKind.UNIQUE_ID))
    marks = _Marks(Abstraction(accounts, "", (), (), (), (), unique_ids, None, frozenset()))
    general = frozenset([(_TYPE_NAMES[p.type], marks.principal(p)) for p in found])
    assert marks.principals(found) == general
    assert marks.principals(found) == general  # and again, from the memo


@given(st.sampled_from(["sts:externalid", "oidc.example.com/id/ab:sub", "oidc.example.com/id/AB:aud",
                        "accounts.google.com:aud", "aws:sourceaccount", "x:y:sub"]),
       st.lists(st.sampled_from(["a", "111111111111", "arn:aws:iam::123456789012:root", "repo:o/r:*", "true"]),
                min_size=1, max_size=3).map(tuple),
       st.sampled_from(["StringEquals", "StringLike", "Null", "ArnLike"]), ACCOUNT_SETS)
def test_a_condition_without_renamed_issuers_keeps_its_key_and_issuer(
        written: str, values: tuple[str, ...], operator: str, accounts: tuple[str, ...] | None) -> None:
    condition = Condition(operator, Qualifier.NONE, False, written.lower(), written, values)
    marks = _Marks(Abstraction(accounts, "", (), (), (), (), (), None, frozenset({"sts:externalid"})))
    shown = marks.condition(condition)
    assert shown[3] == marks.key(condition.key) and shown[4] == marks.host(condition)
    assert shown[4] == issuer_host(written)
