"""Counted work: analysing a trust policy and running the checks on it grows linearly in its statements.

The work is counted as the Python lines executed (a trace hook), not timed: the count is the same on
any machine and under any load. Four times the statements may cost at most five times the lines;
the quadratic analysis this guards against cost twelve to twenty-five times as many.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

import pytest

from rolescope.checks.context import CheckSettings, RoleContext
from rolescope.checks.registry import CHECKS, run_checks
from rolescope.policy.parse import parse_policy
from rolescope.trust.analysis import analyse_trust
from rolescope.trust.witness import Zone

HOME = "111122223333"


def _statement(shape: str, i: int) -> dict[str, Any]:
    account = f"{200000000000 + i}"
    if shape == "one role per statement, each with its own ExternalId":
        return {"Sid": f"S{i}", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:role/r{i}"},
                "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": f"ext-{i}"}}}
    if shape == "anyone, narrowed to one account per statement":
        return {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:PrincipalAccount": account}}}
    if shape == "anyone, narrowed by an ARN pattern per account":
        return {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole",
                "Condition": {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{account}:role/*"}}}
    if shape == "one service per statement":
        return {"Effect": "Allow", "Principal": {"Service": f"svc{i}.amazonaws.com"}, "Action": "sts:AssumeRole"}
    return [  # users with MFA, Denies without an ExternalId, web identities
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:user/u{i}"}, "Action": "sts:AssumeRole",
         "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}},
        {"Effect": "Deny", "Principal": {"AWS": account}, "Action": "sts:AssumeRole",
         "Condition": {"StringNotEquals": {"sts:ExternalId": f"x{i}"}}},
        {"Effect": "Allow", "Principal": {"Federated": f"arn:aws:iam::{HOME}:oidc-provider/o{i}.example.com"},
         "Action": "sts:AssumeRoleWithWebIdentity"},
    ][i % 3]


def lines_run(shape: str, statements: int) -> int:
    policy = parse_policy({"Version": "2012-10-17", "Statement": [_statement(shape, i) for i in range(statements)]})
    count = 0

    def tracer(frame: FrameType, event: str, arg: object) -> Callable[..., object]:
        nonlocal count
        count += 1
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        analysis = analyse_trust(policy, Zone(HOME))
        run_checks(RoleContext(HOME, "policy", analysis, CheckSettings()), [c for c in CHECKS if not c.needs_account])
    finally:
        sys.settrace(previous)
    return count


@pytest.mark.parametrize("shape", [
    "one role per statement, each with its own ExternalId",
    "anyone, narrowed to one account per statement",
    "anyone, narrowed by an ARN pattern per account",
    "one service per statement",
    "mixed",
])
def test_four_times_the_statements_cost_at_most_five_times_the_work(shape: str) -> None:
    few, many = lines_run(shape, 40), lines_run(shape, 160)
    assert many <= 5 * few, f"{shape}: {few:,} lines for 40 statements, {many:,} for 160"
