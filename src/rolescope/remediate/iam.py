"""The only IAM operations remediation needs, behind an interface the caller injects.

:class:`RoleStore` reads a role's trust policy exactly as IAM returns it (the URL-encoded text, which
is what a backup must keep) and writes a new one. :class:`Boto3RoleStore` adapts a boto3 IAM client;
tests inject fakes or wrap it to inject faults. A :data:`StoreFactory` gives the store for an
account, so one plan can span accounts reached with different credentials.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import unquote

import orjson

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
        from botocore.handlers import json_decode_policies

        client.meta.events.unregister("after-call.iam", json_decode_policies)
        self.client = client

    def read(self, role_name: str) -> TrustText | None:
        try:
            role = self.client.get_role(RoleName=role_name)["Role"]
        except Exception as error:
            failure = _error(error, f"iam:GetRole {role_name}")
            if failure.code == "NoSuchEntity":
                return None
            raise failure from None
        value = role.get("AssumeRolePolicyDocument")
        if not isinstance(value, str):
            raise AwsError(f"iam:GetRole {role_name}: no trust policy text in the answer")
        return trust_text(value)

    def write(self, role_name: str, policy_text: str) -> None:
        try:
            self.client.update_assume_role_policy(RoleName=role_name, PolicyDocument=policy_text)
        except Exception as error:
            raise _error(error, f"iam:UpdateAssumeRolePolicy {role_name}") from None


def boto3_stores(profile: str | None = None, region: str | None = None, role_name: str | None = None,
                 external_id: str | None = None, session_name: str = "RolescopeFix") -> StoreFactory:
    """A :data:`StoreFactory` from boto3: the caller's own account, or ``role_name`` assumed in each account.

    Without ``role_name`` the caller's credentials must belong to the role's account (checked with
    ``sts:GetCallerIdentity``), so a plan is never applied to an account it does not name. Honours
    ``AWS_ENDPOINT_URL`` like every boto3 client.

    Args:
        profile: an AWS CLI profile (default: the default credential chain).
        region: where STS calls go (default: the profile's, else us-east-1).
        role_name: a role to assume in each account (``path/name`` allowed).
        external_id: the ExternalId that role requires.
        session_name: the role session name CloudTrail shows.
    """
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    config = Config(retries={"mode": "adaptive", "max_attempts": 10})
    stores: dict[str, RoleStore] = {}
    state: dict[str, Any] = {}

    def base() -> Any:
        if "session" not in state:
            state["session"] = boto3.Session(profile_name=profile, region_name=region or None)
            if state["session"].region_name is None:
                state["session"] = boto3.Session(profile_name=profile, region_name="us-east-1")
        return state["session"]

    def factory(account_id: str, partition: str) -> RoleStore:
        if account_id in stores:
            return stores[account_id]
        try:
            session = base()
            sts = session.client("sts", config=config)
            if role_name is not None:
                arn = f"arn:{partition}:iam::{account_id}:role/{role_name.strip('/')}"
                arguments = {"RoleArn": arn, "RoleSessionName": session_name}
                if external_id is not None:
                    arguments["ExternalId"] = external_id
                credentials = sts.assume_role(**arguments)["Credentials"]
                session = boto3.Session(aws_access_key_id=credentials["AccessKeyId"],
                                        aws_secret_access_key=credentials["SecretAccessKey"],
                                        aws_session_token=credentials["SessionToken"], region_name=session.region_name)
            else:
                caller = sts.get_caller_identity()["Account"]
                if caller != account_id:
                    raise AwsError(f"the credentials in use are for account {caller}, but the plan changes roles in "
                                   f"account {account_id}: use a profile for that account (-p), --role-name to "
                                   "assume a role there, or --account to act on one account only")
            stores[account_id] = Boto3RoleStore(session.client("iam", config=config))
        except ClientError as error:
            raise _error(error, f"reaching account {account_id}") from None
        except BotoCoreError as error:
            raise AwsError(f"reaching account {account_id}: {error}") from None
        return stores[account_id]

    return factory
