"""Which partition a role is in, as its trust policy tells it.

A principal can only be trusted by a role of its own partition (an ``arn:aws-cn:`` account cannot
assume an ``arn:aws:`` role), so the partitions a policy's principals name are the ones its role can
be in. ARNs name theirs; a service principal under ``amazonaws.com.cn`` names ``aws-cn``. A bare
account id, ``"*"``, a public identity provider, or a service under ``amazonaws.com`` (the suffix
``aws`` and ``aws-us-gov`` share) names none.
"""

from __future__ import annotations

from rolescope.policy.model import PolicyDocument, PrincipalKind

CHINA_SERVICE_SUFFIX = ".amazonaws.com.cn"


def named_partitions(policy: PolicyDocument) -> frozenset[str]:
    """The partitions the principals of ``policy`` (in ``Principal`` and ``NotPrincipal``) name.

    Args:
        policy: the parsed trust policy.

    Returns:
        The partitions, possibly none.
    """
    found: set[str] = set()
    for statement in policy.statements:
        for principal in (*(statement.principals or ()), *(statement.not_principals or ())):
            if principal.kind is PrincipalKind.SERVICE:
                if principal.value.lower().endswith(CHINA_SERVICE_SUFFIX):
                    found.add("aws-cn")
            elif principal.partition is not None and principal.value != principal.account:
                found.add(principal.partition)  # a bare account id reads as "aws" but names no partition
    return frozenset(found)
