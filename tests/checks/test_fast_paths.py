"""The checks' shortcuts agree with the general paths they stand in for."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from rolescope.checks.context import CheckSettings
from rolescope.checks.finding import SeverityOverride
from rolescope.checks.permissions import _as_list, _grants_admin
from rolescope.checks.registry import CHECK_IDS

_TEXT = st.sampled_from(["*", "iam:*", "IAM:*", "s3:GetObject", "arn:aws:s3:::b/*", "", "**"])
# JSON values a policy may hold where strings belong: only the string "*" may equal "*".
_VALUE = st.one_of(_TEXT, st.lists(st.one_of(_TEXT, st.integers(), st.none(), st.booleans(), st.just({"*": "*"}),
                                             st.just(["*"])), max_size=3),
                   st.none(), st.integers(), st.floats(allow_nan=True), st.just({"Resource": "*"}))


@st.composite
def _statement(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from([None, "*", ["*"]]))
    statement: dict[str, Any] = {"Effect": draw(st.sampled_from(["Allow", "Deny", "allow"]))}
    for key in ("Resource", "NotResource", "Action", "NotAction"):
        if draw(st.booleans()):
            statement[key] = draw(_VALUE)
    return statement


def _listed_resources(statement: Any) -> Any:
    """The statement with its Resource as the list of strings the general path reads it as."""
    if not isinstance(statement, dict) or "Resource" not in statement:
        return statement
    return {**statement, "Resource": _as_list(statement["Resource"])}


@given(st.one_of(st.lists(_statement(), max_size=4), _statement()))
def test_grants_admin_reads_a_resource_as_the_list_of_its_strings(statements: Any) -> None:
    # _grants_admin tells "*" apart in the Resource as written, without copying it into that list
    listed = [_listed_resources(s) for s in statements] if isinstance(statements, list) else _listed_resources(
        statements)
    assert _grants_admin({"Statement": statements}) == _grants_admin({"Statement": listed})


@given(check=st.sampled_from(CHECK_IDS),
       override=st.one_of(st.none(), st.sampled_from(["low", "medium", "high", "critical"]).map(
           lambda severity: SeverityOverride(severity, "why"))))
def test_a_severity_without_overrides_is_the_general_paths(check: str, override: SeverityOverride | None) -> None:
    plain = CheckSettings()
    # a user's choice for no real check: the general path, with the same answer for every real one
    general = CheckSettings(severity_overrides={"no-such-check": SeverityOverride("low", "never read")})
    try:
        expected: object = general.severity(check, override)
    except ValueError as error:
        expected = str(error)
    try:
        found: object = plain.severity(check, override)
    except ValueError as error:
        found = str(error)
    assert found == expected
