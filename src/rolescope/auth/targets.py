"""Which accounts a run reaches, and through which role."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rolescope.auth.errors import AuthConfigError
from rolescope.auth.identity import Identity
from rolescope.auth.validate import RoleArn
from rolescope.policy.arn import role_arn


@dataclass(frozen=True, slots=True)
class Target:
    """One account to reach: through ``role_arn``, or with the caller's own credentials when ``None``."""

    account_id: str
    role_arn: str | None = None
    name: str = ""

    @property
    def partition(self) -> str | None:
        return self.role_arn.split(":", 2)[1] if self.role_arn else None

    @property
    def source(self) -> str:
        """How the account is reached, for reports."""
        return self.role_arn or "caller credentials"


def plan_targets(identity: Identity, role_arns: Sequence[RoleArn] = (), accounts: Sequence[str] = (),
                 role_name: tuple[str, str] | None = None, names: Mapping[str, str] | None = None) -> list[Target]:
    """The accounts to reach, each once.

    Args:
        identity: the caller; its account is reached with its own credentials, not through
            ``role_name`` (the role is often not deployed where the scan is run from, e.g. the
            management account).
        role_arns: ``-R`` roles.
        accounts: ``--accounts`` or the organisation's active accounts.
        role_name: ``(path, name)`` of the role to assume in each of ``accounts``.
        names: account names (from the organisation), for reports.

    Returns:
        The targets; with no role and no account, the caller's own account.

    Raises:
        AuthConfigError: an account would be reached twice, or a role is in another partition.
    """
    names = names or {}
    targets: list[Target] = []
    for arn in role_arns:
        if arn.partition != identity.partition:
            raise AuthConfigError(f"{arn.arn} is in partition {arn.partition}, but the credentials are in "
                                  f"{identity.partition}: roles cannot be assumed across partitions")
        targets.append(Target(arn.account_id, arn.arn, names.get(arn.account_id, "")))
    if accounts and role_name is None:
        raise AuthConfigError("--accounts/--organization need --role-name: the role to assume in each account")
    for account in accounts:
        if account == identity.account_id:
            targets.append(Target(account, None, names.get(account, "")))
        else:
            assert role_name is not None
            path, name = role_name
            targets.append(Target(account, role_arn(identity.partition, account, name, path),
                                  names.get(account, "")))
    if not targets:
        targets.append(Target(identity.account_id, None, names.get(identity.account_id, "")))
    seen: dict[str, Target] = {}
    for target in targets:
        if target.account_id in seen:
            first = seen[target.account_id]
            raise AuthConfigError(f"account {target.account_id} would be scanned twice ({first.source} and "
                                  f"{target.source}): name each account once")
        seen[target.account_id] = target
    return targets
