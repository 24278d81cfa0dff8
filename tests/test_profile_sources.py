"""Roles read live, judged for the caller's account: the easiest way in decides what the profile carries."""

from __future__ import annotations

from typing import Any

from rolescope.profile_sources import role_from_iam, unread_role
from rolescope.trust.witness import Zone

CALLER_ACCOUNT, CALLER = "111122223333", "arn:aws:iam::111122223333:user/alice"
ROLE = "arn:aws:iam::444455556666:role/Admin"


def described(*statements: dict[str, Any], max_session: int = 7200) -> dict[str, Any]:
    return {"Arn": ROLE, "MaxSessionDuration": max_session,
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": list(statements)}}


def allow(principal: str, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}
    return {**statement, "Condition": condition} if condition else statement


MFA = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
EXTERNAL_ID = {"StringEquals": {"sts:ExternalId": "x-1234"}}


def judged(role: dict[str, Any]) -> Any:
    return role_from_iam(role, "prod", Zone("444455556666"), CALLER_ACCOUNT, CALLER)


def test_the_callers_way_in_decides_mfa_and_external_id() -> None:
    mfa = judged(described(allow(f"arn:aws:iam::{CALLER_ACCOUNT}:root", MFA)))
    assert (mfa.requires_mfa, mfa.requires_external_id, mfa.max_session_duration) == (True, False, 7200)
    external = judged(described(allow(CALLER, EXTERNAL_ID), allow("arn:aws:iam::999999999999:root")))
    assert (external.requires_mfa, external.requires_external_id, external.notes) == (False, True, ())


def test_the_easiest_of_several_ways_in_is_taken() -> None:
    either = judged(described(allow(f"arn:aws:iam::{CALLER_ACCOUNT}:root", MFA), allow(CALLER)))
    assert (either.requires_mfa, either.requires_external_id) == (False, False)


def test_a_trust_that_does_not_admit_the_caller_is_noted_not_guessed() -> None:
    other = judged(described(allow("arn:aws:iam::999999999999:root", EXTERNAL_ID)))
    assert (other.requires_mfa, other.requires_external_id) == (None, None)
    assert other.notes == (f"its trust policy admits no principal of account {CALLER_ACCOUNT}: the profile will not "
                           "work from there",)


def test_what_a_profile_cannot_carry_is_noted() -> None:
    ip = judged(described(allow(f"arn:aws:iam::{CALLER_ACCOUNT}:root", {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})))
    assert ip.notes == ("its trust policy also requires source_ip, which a profile cannot set",)
    assert unread_role(ROLE, "prod", "AccessDenied: no").notes == (
        "not read (AccessDenied: no): its trust policy's requirements and MaxSessionDuration are unknown",)
