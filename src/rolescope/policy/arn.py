"""Amazon Resource Names: parsing, partitions and the shapes IAM principals take."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rolescope.records import quick_init

PARTITIONS = frozenset({"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f"})
# \A...\Z and [0-9]: "$" lets a trailing newline through, and "\d" any script's digits.
ACCOUNT_ID = re.compile(r"\A[0-9]{12}\Z")
# What AWS Organizations issues: o- and 10 to 32 lowercase letters or digits.
ORG_ID = re.compile(r"\Ao-[a-z0-9]{10,32}\Z")
ORG_ID_SHAPE = "o- and 10 to 32 lowercase letters or digits"
# Unique ids IAM shows in place of a principal that was deleted (roles, users, and the rest).
UNIQUE_ID = re.compile(r"^(AROA|AIDA|AGPA|ANPA|AIPA|ASIA|AKIA|ANVA|ASCA|APKA)[A-Z0-9]{12,}$")


@quick_init
@dataclass(frozen=True, slots=True)
class Arn:
    """The six colon-separated parts of an ARN."""

    partition: str
    service: str
    region: str
    account: str
    resource: str

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"

    @property
    def resource_type(self) -> str:
        """The resource's type: ``role`` in ``role/path/Name``, ``root`` for an account root."""
        return re.split(r"[/:]", self.resource, maxsplit=1)[0]

    @property
    def resource_name(self) -> str:
        """The last path segment of the resource: a role's or user's name."""
        return self.resource.rsplit("/", 1)[-1]


def parse_arn(text: str) -> Arn | None:
    """Split ``text`` into an :class:`Arn`, or ``None`` when it is not one.

    Args:
        text: a candidate ARN.

    Returns:
        The parsed ARN, or ``None`` when ``text`` does not have the ``arn:`` shape.
    """
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    _, partition, service, region, account, resource = parts
    return Arn(partition, service, region, account, resource)


def role_arn(partition: str, account: str, name: str, path: str = "/") -> str:
    """The ARN of role ``name`` under ``path`` in ``account``."""
    return f"arn:{partition}:iam::{account}:role{path}{name}"
