"""A request to assume a role, as IAM sees it when it evaluates the trust policy."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from rolescope.policy.arn import ACCOUNT_ID, parse_arn
from rolescope.policy.model import PrincipalType
from rolescope.records import quick_init

ASSUME_ACTIONS = ("sts:assumerole", "sts:assumerolewithsaml", "sts:assumerolewithwebidentity")


@quick_init
@dataclass(frozen=True, slots=True)
class Caller:
    """Who makes the request.

    Attributes:
        type: AWS (an IAM principal or session), Service, or Federated (a SAML/OIDC identity).
        arn: for AWS, the IAM principal's ARN as ``aws:PrincipalArn`` shows it (a role session
            shows its role's ARN); for Service, the service name; for Federated, the provider's
            ARN or the public IdP's name.
        account: the caller's account (AWS callers).
        session_arn: the ``assumed-role`` or ``federated-user`` session ARN, when there is one.
        unique_id: the principal's unique id (``AROA...``/``AIDA...``), when known.
    """

    type: PrincipalType
    arn: str
    account: str | None = None
    session_arn: str | None = None
    unique_id: str | None = None

    @property
    def partition(self) -> str:
        parsed = parse_arn(self.arn)
        return parsed.partition if parsed else "aws"


@quick_init
@dataclass(frozen=True, slots=True)
class Request:
    """One ``sts:AssumeRole*`` call: the caller, the action and the condition keys it carries."""

    caller: Caller
    action: str
    context: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def caller_from_arn(text: str) -> Caller:
    """Build a caller from an ARN, an account id, a service principal or an IdP, as a user types it.

    Args:
        text: ``arn:aws:iam::111122223333:role/Name``, ``arn:aws:sts::...:assumed-role/Name/session``,
            ``111122223333``, ``ec2.amazonaws.com``, ``arn:aws:iam::...:oidc-provider/host``...

    Raises:
        ValueError: the text names no principal rolescope can build a request for.
    """
    if ACCOUNT_ID.match(text):
        return Caller(PrincipalType.AWS, f"arn:aws:iam::{text}:root", text)
    arn = parse_arn(text)
    if arn is None:
        if "." in text and " " not in text:
            idp = text.lower() in {"accounts.google.com", "graph.facebook.com", "www.amazon.com",
                                   "cognito-identity.amazonaws.com"}
            return Caller(PrincipalType.FEDERATED if idp else PrincipalType.SERVICE, text)
        raise ValueError(f"not a principal ARN, account id or service principal: {text!r}")
    if arn.resource.startswith(("saml-provider/", "oidc-provider/")):
        return Caller(PrincipalType.FEDERATED, text, arn.account)
    if arn.service == "sts" and arn.resource.startswith("assumed-role/"):
        parts = arn.resource.split("/")
        if len(parts) < 3:
            raise ValueError(f"expected assumed-role/ROLE/SESSION: {text!r}")
        role = f"arn:{arn.partition}:iam::{arn.account}:role/{parts[1]}"
        return Caller(PrincipalType.AWS, role, arn.account, session_arn=text)
    if arn.service == "sts" and arn.resource.startswith("federated-user/"):
        return Caller(PrincipalType.AWS, text, arn.account, session_arn=text)
    if arn.service == "iam" and arn.resource_type in ("root", "role", "user"):
        return Caller(PrincipalType.AWS, text, arn.account)
    raise ValueError(f"not a principal ARN: {text!r}")
