"""Who the credentials belong to (``sts:GetCallerIdentity``, which needs no permission)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rolescope.policy.arn import parse_arn


@dataclass(frozen=True, slots=True)
class Identity:
    """The caller: its account, ARN and unique id."""

    account_id: str
    arn: str
    user_id: str

    @property
    def partition(self) -> str:
        arn = parse_arn(self.arn)
        return arn.partition if arn else "aws"

    @property
    def is_role_session(self) -> bool:
        """An assumed role (including SSO, instance and container roles): AWS caps chaining from it at 1 h."""
        arn = parse_arn(self.arn)
        return arn is not None and arn.service == "sts" and arn.resource.startswith("assumed-role/")

    @property
    def role_name(self) -> str | None:
        """For a role session, the role's name."""
        if not self.is_role_session:
            return None
        return self.arn.split(":assumed-role/", 1)[1].split("/", 1)[0]


def caller_identity(sts_client: Any) -> Identity:
    """Ask STS who ``sts_client``'s credentials belong to."""
    response = sts_client.get_caller_identity()
    return Identity(str(response["Account"]), str(response["Arn"]), str(response["UserId"]))
