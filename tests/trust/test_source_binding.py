"""Which source conditions bind a service principal to the role's own resources (confused deputy).

The forms come from the AWS documentation: the IAM guide's "Cross-service confused deputy prevention"
(aws:SourceArn, aws:SourceAccount, aws:SourceOrgID, aws:SourceOrgPaths), AWS Config's recommended
``ArnLike aws:SourceArn arn:aws:config:*:<account>:*``, Amazon Personalize's
``arn:aws:personalize:region:accountNumber:*`` together with ``aws:SourceAccount``.
"""

from __future__ import annotations

from typing import Any

import pytest

from rolescope.policy.parse import parse_policy
from rolescope.trust.analysis import TrustAnalysis, analyse_trust
from rolescope.trust.witness import Zone

HOME, ORG = "111122223333", "o-a1b2c3d4e5"
ZONE = Zone(HOME, org_id=ORG)


def service_trust(service: str, condition: dict[str, Any]) -> TrustAnalysis:
    statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole",
                 "Condition": condition}
    return analyse_trust(parse_policy({"Version": "2012-10-17", "Statement": [statement]}), ZONE)


@pytest.mark.parametrize("service, condition", [
    ("config.amazonaws.com", {"ArnLike": {"aws:SourceArn": f"arn:aws:config:*:{HOME}:*"}}),
    ("personalize.amazonaws.com", {"ArnLike": {"aws:SourceArn": f"arn:aws:personalize:us-east-1:{HOME}:*"},
                                   "StringEquals": {"aws:SourceAccount": HOME}}),
    ("personalize.amazonaws.com", {"ArnLike": {"aws:SourceArn": f"arn:aws:personalize:us-east-1:{HOME}:*"}}),
    ("config.amazonaws.com", {"ArnEquals": {"aws:SourceArn": f"arn:aws:config:eu-west-1:{HOME}:config-rule/r-1"}}),
    ("config.amazonaws.com", {"StringEquals": {"aws:SourceAccount": HOME}}),
    ("config.amazonaws.com", {"StringEquals": {"aws:SourceOrgID": ORG}}),
    ("config.amazonaws.com", {"ForAnyValue:StringLike": {"aws:SourceOrgPaths": f"{ORG}/r-ab12/*"}}),
    ("config.amazonaws.com", {"ForAnyValue:StringEquals": {"aws:SourceOrgPaths": f"{ORG}/r-ab12/"}}),
    ("s3.amazonaws.com", {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::amzn-s3-demo-bucket"},
                          "StringEquals": {"aws:SourceAccount": HOME}}),
])
def test_a_source_the_owner_holds_binds_the_service(service: str, condition: dict[str, Any]) -> None:
    analysis = service_trust(service, condition)
    assert analysis.service_without_source == ()
    [path] = analysis.paths
    assert {"source_arn", "source_account", "source_org"} & set(path.requires)


@pytest.mark.parametrize("condition", [
    {"ArnLike": {"aws:SourceArn": "arn:aws:config:*:*:*"}},
    {"ArnLike": {"aws:SourceArn": "arn:aws:config:*:11112222333?:*"}},
    {"ArnLike": {"aws:SourceArn": "arn:aws:config:*:1111*:*"}},
    {"StringLike": {"aws:SourceArn": "arn:aws:config:*"}},
    {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::*"}},
    # a bucket name binds nothing alone: once deleted, anybody may create a bucket of that name
    {"ArnEquals": {"aws:SourceArn": "arn:aws:s3:::amzn-s3-demo-bucket"}},
    {"StringLike": {"aws:SourceAccount": "*"}, "Null": {"aws:SourceArn": "false"}},
    {"StringLike": {"aws:SourceAccount": "11112222333?"}},
    {"ForAnyValue:StringLike": {"aws:SourceOrgPaths": "o-*"}},
    {"ArnLikeIfExists": {"aws:SourceArn": f"arn:aws:config:*:{HOME}:*"}},
])
def test_a_source_an_outsider_can_hold_does_not(condition: dict[str, Any]) -> None:
    analysis = service_trust("config.amazonaws.com", condition)
    assert [e.principal for e in analysis.service_without_source] == ["config.amazonaws.com"]
    example = analysis.service_without_source[0].example
    assert example is not None
    assert all(f":{HOME}:" not in arn for arn in example.context.get("aws:sourcearn", ()))
