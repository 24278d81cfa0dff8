"""The only IAM operations remediation needs, behind an interface the caller injects.

:class:`RoleStore` reads a role's trust policy exactly as IAM returns it (the URL-encoded text, which
is what a backup must keep) and writes a new one; it reads and sets the role's ``MaxSessionDuration``
too (see :mod:`rolescope.remediate.session_duration`). :class:`Boto3RoleStore` adapts a boto3 IAM client;
tests inject fakes or wrap it to inject faults. A :data:`StoreFactory` gives the store for an
account, so one plan can span accounts reached with different credentials.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import unquote

import orjson

from rolescope.auth.botocore_adapter import keep_policy_documents_encoded
from rolescope.remediate.errors import AwsError


@dataclass(frozen=True, slots=True)
class TrustText:
    """A trust policy as IAM holds it.

    Attributes:
        raw: the value IAM returned, untouched (URL-encoded JSON): what backups keep, byte for byte.
        text: the JSON text (``raw`` decoded): what a restore sends back.
        document: the decoded document, for comparisons.
    """

    raw: str
    text: str
    document: dict[str, Any]


def trust_text(raw: str) -> TrustText:
    """Read a trust policy value as IAM returns it (URL-encoded JSON, or plain JSON from some tools).

    Raises:
        AwsError: the value is not a JSON object in either encoding.
    """
    text = raw if raw.lstrip().startswith("{") else unquote(raw)
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise AwsError("IAM returned a trust policy that is not JSON") from None
    if not isinstance(document, dict):
        raise AwsError("IAM returned a trust policy that is not a JSON object")
    return TrustText(raw, text, document)


class RoleStore(Protocol):
    """Reads and writes one account's role trust policies."""

    def read(self, role_name: str) -> TrustText | None:
        """The role's trust policy, or ``None`` when the role does not exist."""

    def write(self, role_name: str, policy_text: str) -> None:
        """Replace the role's trust policy with ``policy_text`` (JSON)."""

    def read_max_session(self, role_name: str) -> int | None:
        """The role's ``MaxSessionDuration`` in seconds, or ``None`` when the role does not exist."""

    def write_max_session(self, role_name: str, seconds: int) -> None:
        """Set the role's ``MaxSessionDuration``."""


# (account id, partition) -> the store for that account.
StoreFactory = Callable[[str, str], RoleStore]


def _error(error: Exception, action: str) -> AwsError:
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        details = response.get("Error") or {}
        code = str(details.get("Code", "")) or None
        return AwsError(f"{action}: {code}: {details.get('Message', '')}".rstrip(": "), code)
    return AwsError(f"{action}: {type(error).__name__}: {error}")


class Boto3RoleStore:
    """A :class:`RoleStore` over a boto3 IAM client.

    The client's automatic policy decoding (botocore turns policy documents into dicts) is switched
    off for this client only, so :meth:`read` sees the exact text IAM sent.

    Args:
        client: a boto3 ``iam`` client for the account.
    """

    def __init__(self, client: Any) -> None:
        keep_policy_documents_encoded(client)
        self.client = client

    def _role(self, role_name: str) -> dict[str, Any] | None:
        """``iam:GetRole``'s answer, or ``None`` when the role does not exist."""
        try:
            role: dict[str, Any] = self.client.get_role(RoleName=role_name)["Role"]
        except Exception as error:
            failure = _error(error, f"iam:GetRole {role_name}")
            if failure.code == "NoSuchEntity":
                return None
            raise failure from None
        return role

    def read(self, role_name: str) -> TrustText | None:
        role = self._role(role_name)
        if role is None:
            return None
        value = role.get("AssumeRolePolicyDocument")
        if not isinstance(value, str):
            raise AwsError(f"iam:GetRole {role_name}: no trust policy text in the answer")
        return trust_text(value)

    def write(self, role_name: str, policy_text: str) -> None:
        try:
            self.client.update_assume_role_policy(RoleName=role_name, PolicyDocument=policy_text)
        except Exception as error:
            raise _error(error, f"iam:UpdateAssumeRolePolicy {role_name}") from None

    def read_max_session(self, role_name: str) -> int | None:
        role = self._role(role_name)
        if role is None:
            return None
        value = role.get("MaxSessionDuration")
        if type(value) is not int:
            raise AwsError(f"iam:GetRole {role_name}: no MaxSessionDuration in the answer")
        return value

    def write_max_session(self, role_name: str, seconds: int) -> None:
        try:
            self.client.update_role(RoleName=role_name, MaxSessionDuration=seconds)
        except Exception as error:
            raise _error(error, f"iam:UpdateRole {role_name}") from None



def broker_stores(broker: Any, accounts: list[tuple[str, str]], role_name: tuple[str, str] | None = None
                  ) -> StoreFactory:
    """A :data:`StoreFactory` on :class:`rolescope.auth.broker.SessionBroker`: credentials as live scans get them.

    The caller's own account is reached with the caller's credentials; another account only through
    ``role_name`` assumed there. Without ``role_name`` a plan's roles in any other account are
    refused, so a plan is never applied to an account it does not name.

    Args:
        broker: the run's session broker (profile, MFA, the AWS CLI's credential cache, refresh).
        accounts: ``(account id, partition)`` of every account the run may reach: the broker settles
            MFA and session lengths for all of them before the first is reached.
        role_name: ``(path, name)`` of the role to assume in each account (``--role-name``).
    """
    from rolescope.auth.clients import client_config
    from rolescope.auth.errors import AuthConfigError, describe_error
    from rolescope.auth.targets import Target
    from rolescope.policy.arn import role_arn

    stores: dict[str, RoleStore] = {}
    targets: dict[str, Any] = {}

    def target_for(account_id: str, partition: str, caller: str) -> Any:
        if account_id == caller:
            return Target(account_id, None)
        if role_name is not None:
            return Target(account_id, role_arn(partition, account_id, role_name[1], role_name[0]))
        raise AwsError(f"the credentials in use are for account {caller}, but the plan changes roles in account "
                       f"{account_id}: use a profile for that account (-p), --role-name to assume a role there, "
                       "or --account to act on one account only")

    def factory(account_id: str, partition: str) -> RoleStore:
        if account_id in stores:
            return stores[account_id]
        try:
            if not targets:
                caller = broker.identity().account_id
                for account, account_partition in sorted(set(accounts) | {(account_id, partition)}):
                    targets[account] = target_for(account, account_partition, caller)
                broker.prepare(list(targets.values()))
            target = targets.get(account_id) or target_for(account_id, partition, broker.identity().account_id)
            session, counter = broker.session_for(target)
            stores[account_id] = Boto3RoleStore(counter.attach(session.client("iam", config=client_config())))
        except (AwsError, AuthConfigError):
            raise
        except Exception as error:
            report = describe_error(error)
            raise AwsError(f"reaching account {account_id}: {report}", report.code) from None
        return stores[account_id]

    return factory
