"""``NotPrincipal`` excludes only the identity it names, as IAM identifies the caller.

The cases are the IAM User Guide's ("AWS JSON policy elements: NotPrincipal"): a Deny that exempts
user Bob lists Bob and his account; one that exempts an assumed-role session lists the session ARN,
its role and its account, because IAM matches a role's sessions by the session ARN. A role ARN alone
does not exempt the role's sessions, and an account alone does not exempt its users and sessions.
"""

from __future__ import annotations

from typing import Any

from rolescope.policy.evaluate import evaluate
from rolescope.policy.parse import parse_policy
from rolescope.policy.request import Request, caller_from_arn

ACCOUNT = "444455556666"
BOB = f"arn:aws:iam::{ACCOUNT}:user/Bob"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/cross-account-read-only-role"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/cross-account-read-only-role/cross-account-audit-app"
OTHER_SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/cross-account-read-only-role/someone-else"


def allowed(not_principal: list[str], caller: str) -> bool:
    statements: list[dict[str, Any]] = [
        {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"},
        {"Effect": "Deny", "NotPrincipal": {"AWS": not_principal}, "Action": "sts:AssumeRole"},
    ]
    policy = parse_policy({"Version": "2012-10-17", "Statement": statements})
    return evaluate(policy, Request(caller_from_arn(caller), "sts:AssumeRole")).allowed


def test_the_guides_user_example_exempts_bob_only() -> None:
    assert allowed([BOB, ROOT], BOB)
    assert not allowed([BOB, ROOT], f"arn:aws:iam::{ACCOUNT}:user/Alice")
    assert not allowed([BOB, ROOT], SESSION)


def test_the_guides_session_example_exempts_that_session_only() -> None:
    listed = [SESSION, ROLE, ROOT]
    assert allowed(listed, SESSION)
    assert not allowed(listed, OTHER_SESSION)
    assert not allowed(listed, BOB)


def test_a_role_arn_does_not_exempt_the_roles_sessions() -> None:
    assert not allowed([ROLE], SESSION)
    assert not allowed([ROLE, ROOT], OTHER_SESSION)
    assert not allowed([ROLE], ROLE)  # a role calls only through a session


def test_an_account_does_not_exempt_its_users_and_sessions() -> None:
    assert not allowed([ROOT], BOB)
    assert not allowed([ROOT], SESSION)

